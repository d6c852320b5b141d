"""Keys that must match the data: check values, the guard before each use, rotations' records.

core         the check values (portal.models.KeyCheck), the key families the apps register
             (members: MYNUMBER_KEYS and MYNUMBER_HMAC_KEY; portal: MFA_SECRET_KEYS), the
             inspection the system check and /readyz run, and the guard every use goes through.
mfa          the key of the second factors' secrets, apart from SECRET_KEY.
mfa_rotation re-sealing every second factor's secret under the current MFA key.
middleware   a refused key check ends a request with a 503 page, never a 500.
system       what `manage.py check` and /readyz report.
"""
