"""The public catalogue: the curriculum, its packages and the module inventory as web pages."""
