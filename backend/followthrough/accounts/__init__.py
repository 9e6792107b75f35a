"""What a signed-in participant does with their account: profile, password change, deletion, personal API
tokens; and the operator's account commands. Who a participant is and how they sign in is `identity`; the
export of everything stored about them is `export`."""

from followthrough.accounts.services import AccountService

__all__ = ["AccountService"]
