"""A CHECK constraint beside the audit table's INSERT trigger: twelve digits in a row are refused
even for a role that sets pgtrigger.ignore. The function and the constraint belong to the owner
(migrations run as the owner), so the portal's role can neither replace nor drop them."""

from django.db import migrations

# Written out, not imported: a migration keeps what it did. The text is the one the trigger
# searches (portal.models.audit_text) and the pattern portal.models.FULL_NUMBER_PATTERN as of
# 0003; tests/test_database_roles.py checks the two still agree.
_TEXT = 'detail::text || \'|\' || target_label || \'|\' || coalesce((SELECT string_agg(v #>> \'{}\', \'|\') FROM jsonb_path_query(detail, \'strict $.** ? (@.type() == "string")\') AS v), \'\')'
FULL_NUMBER_PATTERN = '[0-9\\uff10-\\uff19](?:[\\u0000\\u0009\\u000a\\u000b\\u000c\\u000d\\u0020\\u001c\\u001d\\u001e\\u001f\\u0085\\u00a0\\u1680\\u2000\\u2001\\u2002\\u2003\\u2004\\u2005\\u2006\\u2007\\u2008\\u2009\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u200b\\u200c\\u200d\\u2060\\ufeff\\u002d\\u2010\\u2011\\u2012\\u2013\\u2014\\u2015\\u2212\\ufe63\\uff0d\\u30fc\\uff70]*[0-9\\uff10-\\uff19]){11}'

CREATE = f"""
CREATE FUNCTION portal_audit_holds_full_number(detail jsonb, target_label text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT ({_TEXT}) ~ '{FULL_NUMBER_PATTERN}'
$fn$;
ALTER TABLE portal_auditevent ADD CONSTRAINT audit_no_full_number_check
    CHECK (NOT portal_audit_holds_full_number(detail, target_label));
"""

DROP = """
ALTER TABLE portal_auditevent DROP CONSTRAINT audit_no_full_number_check;
DROP FUNCTION portal_audit_holds_full_number(jsonb, text);
"""


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_keycheck")]

    operations = [migrations.RunSQL(CREATE, DROP)]
