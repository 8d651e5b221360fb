class PortalError(Exception):
    """A business rule refused an action. The message is shown to the user as it is,
    so it is written for them and marked for translation where it is raised."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def add_portal_error(form, error: PortalError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
