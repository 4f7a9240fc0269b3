"""People signing in. Identity issues a person the same kind of access token as a client (kind "person"),
whichever identity provider vouched for them.

Local accounts are the provider written so far: :func:`authenticate` checks a password against the hash held
here. An OpenID Connect provider such as NHS CIS2 (configured by ``PATHFINDER_IDENTITY_OIDC_*``) would be a
second one, for :class:`AuthorisationCodeCallback` evidence: its sign-in starts with a redirect to the provider's
authorisation endpoint and comes back to a callback with an authorisation code, which it exchanges at the
provider, authenticating with private_key_jwt, for an ID token; it verifies that token against the provider's
JWKS (issuer, audience, nonce, assurance level) and maps the provider's subject to the person account linked to it
(``person_account.external_provider``/``external_subject``). The organisation and scopes always come from the
account held here, never from the provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pathfinder.auth import Principal
from pathfinder.identity.access.domain.person_accounts import LockoutPolicy, username_of
from pathfinder.identity.access.service_layer.ports import IssuedToken, Passwords, TokenIssuer
from pathfinder.identity.access.service_layer.unit_of_work import AccessUnitOfWork

SIGN_IN_REFUSED = "The username or password is not right, or the account cannot sign in just now."


class SignInRefused(Exception):
    """Always the same words: a refusal never tells whether the account exists, is locked or the password was
    wrong."""

    def __init__(self) -> None:
        super().__init__(SIGN_IN_REFUSED)


@dataclass(frozen=True)
class PasswordSignIn:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class AuthorisationCodeCallback:
    """What an OpenID Connect provider sends back to the redirect URL."""

    code: str = field(repr=False)
    state: str


SignInEvidence = PasswordSignIn | AuthorisationCodeCallback


async def authenticate(
    evidence: SignInEvidence,
    *,
    uow: AccessUnitOfWork,
    passwords: Passwords,
    lockout: LockoutPolicy,
    now: datetime,
) -> Principal:
    """The person a local account's password names, as a principal of kind "person"; every failure is counted
    against the account, and every refusal is the same :class:`SignInRefused`."""
    if not isinstance(evidence, PasswordSignIn):
        raise SignInRefused()
    async with uow:
        account = await uow.accounts.by_username(username_of(evidence.username))
        if account is None or account.password_hash is None or not account.may_try(now):
            await passwords.waste_time(evidence.password)
            raise SignInRefused()
        if not await passwords.matches(account.password_hash, evidence.password):
            account.record_failure(now, lockout)
            await uow.accounts.save_attempt(account)
            await uow.commit()
            raise SignInRefused()
        account.record_success(now)
        if passwords.needs_rehash(account.password_hash):
            account.password_hash = await passwords.hash(evidence.password)
        await uow.accounts.save_attempt(account)
        await uow.commit()
        return account.principal()


async def sign_in(
    evidence: SignInEvidence,
    *,
    uow: AccessUnitOfWork,
    passwords: Passwords,
    lockout: LockoutPolicy,
    tokens: TokenIssuer,
    now: datetime,
) -> IssuedToken:
    principal = await authenticate(evidence, uow=uow, passwords=passwords, lockout=lockout, now=now)
    return await tokens.issue(principal, now=now)
