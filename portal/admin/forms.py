"""Administration forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.models import AgencyKind, EmailTrust, Role, TokenAuthMethod

ROLE_CHOICES = [
    (Role.VIEWER.value, "Viewer: reads, does not log"),
    (Role.MEMBER.value, "Member: reads and logs intelligence"),
    (Role.CHAIR.value, "Chair: also runs meetings, concerns and embargoes"),
    (Role.ADMIN.value, "Administrator: manages accounts, reads no more intelligence"),
]


class ButtonForm(FlaskForm):
    """A button that changes something: the CSRF token alone."""


class AgencyForm(FlaskForm):
    """A new partner agency."""

    code = StringField(
        "Short code",
        description="2 to 20 capital letters, digits, - or _, like MERTON",
        validators=[InputRequired("Enter a short code"), Length(max=20)],
    )
    name = StringField(
        "Name", validators=[InputRequired("Enter the agency's name"), Length(max=200)]
    )
    kind = SelectField(
        "Kind of agency",
        choices=[(k.value, k.value.title() if k.value != "cqc" else "CQC") for k in AgencyKind],
        validators=[InputRequired("Choose the kind of agency")],
    )


class IdentityProviderForm(FlaskForm):
    """An agency's OpenID Connect provider."""

    name = StringField(
        "Name people know it by",
        description="Shown as “Sign in with …”, like Merton Council Microsoft account",
        validators=[InputRequired("Enter the provider's name"), Length(max=200)],
    )
    issuer = StringField(
        "Issuer URL",
        description="Exactly as the provider publishes it; its discovery document is at this address followed by /.well-known/openid-configuration",
        validators=[InputRequired("Enter the issuer URL"), Length(max=500)],
    )
    client_id = StringField(
        "Client ID",
        description="The ID the provider gave this portal when it was registered",
        validators=[InputRequired("Enter the client ID"), Length(max=255)],
    )
    client_secret_env = StringField(
        "Environment variable holding the client secret",
        description="The secret is never entered here: the servers read it from this environment variable, like PORTAL_OIDC_MERTON_SECRET",
        validators=[InputRequired("Enter the environment variable's name"), Length(max=100)],
    )
    email_domains = StringField(
        "Email domains",
        description="The domains of the agency's addresses, separated by spaces, like merton.gov.uk. People who type such an address are sent to this provider",
        validators=[Optional(), Length(max=500)],
    )
    email_trust = RadioField(
        "How the portal trusts the email address the provider sends",
        description="The address finds the person’s portal account the first time they sign in this way",
        choices=[
            (
                EmailTrust.EMAIL_VERIFIED.value,
                "The provider says it verified the address (the email_verified claim): most providers",
            ),
            (
                EmailTrust.DOMAIN_VERIFIED.value,
                "Microsoft Entra ID says the address’s domain is verified (the xms_edov optional claim)",
            ),
            (
                EmailTrust.AUTHORITATIVE.value,
                "This provider is authoritative for the agency’s email domains (Entra ID, NHSmail): "
                "the address is read from email, preferred_username or upn, and must be in the domains above",
            ),
        ],
        default=EmailTrust.EMAIL_VERIFIED.value,
        # The service refuses anything else, with a plain message.
        validate_choice=False,
        validators=[DataRequired("Choose how the portal trusts the address")],
    )
    token_auth_method = RadioField(
        "How the portal presents its client secret",
        choices=[
            (
                TokenAuthMethod.AUTO.value,
                "As the provider’s discovery document says (client_secret_basic where offered)",
            ),
            (TokenAuthMethod.CLIENT_SECRET_BASIC.value, "client_secret_basic (HTTP Basic)"),
            (TokenAuthMethod.CLIENT_SECRET_POST.value, "client_secret_post (in the form)"),
        ],
        default=TokenAuthMethod.AUTO.value,
        # The service refuses anything else, with a plain message.
        validate_choice=False,
        validators=[DataRequired("Choose how the portal presents its client secret")],
    )
    require_strong_sign_in = BooleanField(
        "Ask for the portal’s own second factor unless the provider used more than a password",
        description="More than a password: the provider’s amr claim names a second factor or a key (mfa, otp, hwk...), or its acr claim is one of the values below",
        default=False,
    )
    acr_values = StringField(
        "Authentication context values (acr), if the provider uses them",
        description="Separated by spaces, like c1 or urn:nhs:authn:mfa. The portal asks the provider for them, and each counts as more than a password",
        validators=[Optional(), Length(max=255)],
    )
    enabled = BooleanField("Offer single sign-on with this provider", default=True)
    prompt_login = BooleanField(
        "Ask for the password at every sign-in",
        description="For agencies whose staff share computers: the provider does not sign in "
        "whoever used it last without asking",
    )


class InviteUserForm(FlaskForm):
    """A new account, set up by its owner through a one-time link."""

    email = EmailField(
        "Email address", validators=[InputRequired("Enter an email address"), Length(max=254)]
    )
    name = StringField("Full name", validators=[InputRequired("Enter the name"), Length(max=200)])
    agency = SelectField("Agency", choices=[], validators=[InputRequired("Choose an agency")])
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[InputRequired("Choose a role")])


class RoleForm(FlaskForm):
    """Another role for a user."""

    role = SelectField("Role", choices=ROLE_CHOICES, validators=[InputRequired("Choose a role")])


class UserFilterForm(FlaskForm):
    """The users list's filters (a GET form)."""

    class Meta:
        csrf = False

    q = StringField("Name or email address", validators=[Optional(), Length(max=254)])
    agency = SelectField("Agency", choices=[], validate_choice=False)


class AuditFilterForm(FlaskForm):
    """The audit trail's filters (a GET form)."""

    class Meta:
        csrf = False

    user = StringField("User's email address", validators=[Optional(), Length(max=254)])
    agency = SelectField("Agency", choices=[], validate_choice=False)
    action = SelectField("Action", choices=[], validate_choice=False)
    object_type = SelectField("Kind of object", choices=[], validate_choice=False)
    object_id = StringField("Object ID", validators=[Optional(), Length(max=50)])
    date_from = DateField(
        "From",
        description="For example, 2026-11-01",
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    date_to = DateField(
        "To", description="For example, 2026-11-30", validators=[Optional()], format="%Y-%m-%d"
    )
