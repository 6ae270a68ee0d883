"""Sign-in, second-factor, single sign-on and password forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional


class SignInForm(FlaskForm):
    """Email address and password."""

    email = EmailField(
        "Email address",
        validators=[InputRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password"), Length(max=1000)],
    )


class SingleSignOnForm(FlaskForm):
    """Which agency's identity provider: chosen, or picked by the e-mail address's domain."""

    agency = SelectField("Your organisation", choices=[], validators=[Optional()])
    sso_email = EmailField(
        "Or your work email address",
        description="We will find your organisation from it.",
        validators=[Optional(), Length(max=254, message="Email address is too long")],
    )


class CodeForm(FlaskForm):
    """A code from the authenticator app."""

    code = StringField(
        "Code from your authenticator app",
        description="The 6-digit code your app shows now, like 123456",
        validators=[InputRequired("Enter the 6-digit code from your app"), Length(max=20)],
    )


class SecondFactorForm(FlaskForm):
    """An authenticator code, or one of the recovery codes."""

    code = StringField(
        "Code from your authenticator app, or a recovery code",
        description="The 6-digit code your app shows now, or one of your recovery codes, like abcd-efgh-jkmn",
        validators=[
            InputRequired("Enter the code from your app or a recovery code"),
            Length(max=40),
        ],
    )


class SetPasswordForm(FlaskForm):
    """A new password, twice."""

    password = PasswordField(
        "Create a password",
        description="At least 12 characters. A long phrase, like three random words, is easiest to remember and hardest to guess.",
        validators=[InputRequired("Enter a password"), Length(max=1000)],
    )
    confirm = PasswordField(
        "Confirm your password",
        validators=[
            InputRequired("Enter the password again"),
            EqualTo("password", "The passwords do not match"),
        ],
    )
