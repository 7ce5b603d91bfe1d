"""The one exception type the CLI turns into a clean, single-line error message."""


class SimsError(Exception):
    """Bad input or an impossible request: the message is shown to the user as is."""


class ConfigError(SimsError, ValueError):
    """A config value, profile or override that cannot be run."""


def require(condition: bool, message: str) -> None:
    """Raise ``ConfigError(message)`` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(message)
