"""URL converters."""


class DatabaseIdConverter:
    """A positive integer id that fits a 64-bit primary key.

    Longer numbers cannot name a row; refusing them in the URL gives a 404
    instead of an overflow deep in the database driver.
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
