"""Errors a reader raises when a file as a whole cannot be used; the message is for clerks."""


class UnreadableFile(Exception):
    """The file cannot be read at all: it goes to `rejected/` whole, with this reason."""


class RejectedFile(Exception):
    """The file was read, but its layout cannot be loaded (e.g. a required column is missing).

    Every readable row still goes to quarantine with this reason.
    """
