"""Moving in: the app's own export and Loop Habit Tracker's CSV export, imported into an account.

Import from the modules (`imports.services.ImportService`); this package imports nothing itself, because
`followthrough.models` reaches `imports.models` while the services need the whole model.
"""
