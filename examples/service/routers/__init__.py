"""One Router per area of the API; app.py includes each under its prefix."""
