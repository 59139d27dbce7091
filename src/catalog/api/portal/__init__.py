"""The node's website (portal): server-rendered Chinese pages over the same service functions as
the REST API, with cookie sessions and CSRF-protected forms. Nothing is loaded from outside."""
