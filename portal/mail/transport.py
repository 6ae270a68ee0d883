"""How a message leaves: to an SMTP server (STARTTLS, signing in), or to files in instance/mail/.

Built from the standard library's ``email`` and ``smtplib``. A transport is opened once per
run of the job and closed after it; an error it raises (``MailError``) says what happened, and
the outbox keeps the message for a later attempt.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from portal.config import MailSettings


class MailError(RuntimeError):
    """The message was not sent: the server refused it or could not be reached."""


class ServerUnreachable(MailError):
    """The server could not be reached (or dropped the connection): nothing more goes this run."""


class Transport(Protocol):
    """Something that sends messages."""

    def send(self, message: EmailMessage) -> None:
        """Send one message, or raise MailError."""

    def close(self) -> None:
        """Let go of any connection."""


class FileTransport:
    """Writes each message to a .eml file in a folder (the embedded default)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        """Write the message as <outbox id>.eml (the Message-ID's local part)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = str(message["X-Portal-Outbox-Id"] or "message")
        try:
            (self.folder / f"{int(name):08d}.eml").write_bytes(bytes(message))
        except (OSError, ValueError) as exc:
            raise MailError(f"could not write the message: {exc}") from exc

    def close(self) -> None:
        """Nothing to close."""


class SmtpTransport:
    """Sends by SMTP, one connection for the whole run, opened at the first message."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._connection: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        cafile = self.settings.tls_ca_file or None
        return ssl.create_default_context(cafile=cafile)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
        except (OSError, smtplib.SMTPException) as exc:
            raise ServerUnreachable(f"could not reach {s.host}:{s.port}: {exc}") from exc
        try:
            connection.ehlo()
            if s.starttls:
                connection.starttls(context=self._tls_context())
                connection.ehlo()
            if s.username:
                connection.login(s.username, s.password)
        except (OSError, smtplib.SMTPException) as exc:
            connection.close()
            raise ServerUnreachable(f"{s.host}:{s.port} refused the session: {exc}") from exc
        return connection

    def send(self, message: EmailMessage) -> None:
        """Send one message; ServerUnreachable when the connection fails, MailError if refused."""
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            raise ServerUnreachable(f"the server dropped the connection: {exc}") from exc
        except smtplib.SMTPException as exc:
            raise MailError(f"the server refused the message: {exc}") from exc

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()


def open_transport(settings: MailSettings, instance_path: str) -> Transport:
    """The transport the settings choose."""
    if settings.transport == "smtp":
        return SmtpTransport(settings)
    return FileTransport(mail_folder(instance_path))


def mail_folder(instance_path: str) -> Path:
    """Where the file transport writes: instance/mail/."""
    return Path(instance_path) / "mail"
