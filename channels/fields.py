from django.db import models

from channels import crypto


class EncryptedJSONField(models.JSONField):
    """A JSON object whose string values (every one, or those under `encrypted_keys`) are stored encrypted with
    SECRETS_KEY (channels.crypto) and read back plain: code using the model only ever sees plain values.

    A value no key opens reads as crypto.Unreadable (empty) and is written back unchanged."""

    def __init__(self, *args, encrypted_keys=None, **kwargs):
        self.encrypted_keys = tuple(encrypted_keys) if encrypted_keys is not None else None
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.encrypted_keys is not None:
            kwargs["encrypted_keys"] = list(self.encrypted_keys)
        return name, path, args, kwargs

    def _encrypts(self, key) -> bool:
        return self.encrypted_keys is None or key in self.encrypted_keys

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, dict):
            return {k: crypto.decrypt(v) if self._encrypts(k) else v for k, v in value.items()}
        return value

    def get_prep_value(self, value):
        if isinstance(value, dict):
            value = {k: crypto.encrypt(v) if self._encrypts(k) and isinstance(v, str) and (
                v or isinstance(v, crypto.Unreadable)) else v for k, v in value.items()}
        return super().get_prep_value(value)

    def value_to_string(self, obj):
        # dumpdata writes the values as stored (encrypted); loaddata opens them again through to_python.
        return self.get_prep_value(self.value_from_object(obj))

    def to_python(self, value):
        if isinstance(value, dict):
            return {k: crypto.decrypt(v) if self._encrypts(k) else v for k, v in value.items()}
        return super().to_python(value)
