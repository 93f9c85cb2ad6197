class DomainError(Exception):
    """A business rule refused an action. The message is translated and shown to the user.

    Each app subclasses it once (ArchiveError, ComplaintError, …); views turn it into
    a message and nothing is written (the service runs in one transaction).
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
