"""Services between the store and the API: what runs checks and keeps checkers."""
