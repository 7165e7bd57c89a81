from api.endpoints import api

__all__ = ["api"]
