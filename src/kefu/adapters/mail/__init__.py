"""E-mail as a channel: MIME parsing, IMAP reading (with IDLE) and SMTP sending (docs/mail.md)."""
