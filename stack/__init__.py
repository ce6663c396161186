"""Local stand-ins for the production services, and the `make run` stack."""
