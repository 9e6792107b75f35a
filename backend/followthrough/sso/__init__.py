"""Sign-in for self-hosters: a forward-auth proxy's trusted header, and OpenID Connect with linking."""
