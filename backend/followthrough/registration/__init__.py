"""Who may create an account, and sign-up itself: above accounts, partners (invites) and reminders (the
notice to an address's owner), which it composes."""
