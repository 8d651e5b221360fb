"""Text as people paste it, for the tests of one-line fields."""

# A name as pasted from a spreadsheet or a mail client: a line break, a tab, a NUL,
# zero-width characters, a byte order mark, a line separator and a decomposed "ë".
MESSY_NAME = " Amara\r\nOk\u200bafor\t\x00 Zoe\u0308\ufeff\u2028 "
# What the portal keeps of it.
CLEAN_NAME = "Amara Okafor Zoë"
