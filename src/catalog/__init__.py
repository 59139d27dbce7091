"""catalog: a directory-centre node of the federated government information-resource catalogue."""

__version__ = "0.1.0"
