"""The authorization matrix: for every URL pattern the resolver knows, GET and POST (whatever
the view takes), each of the eight personas and each object, the outcome it must have.
tests/test_authorization_matrix.py runs it against the world of tests/authz_world.py; a URL
pattern with no rows fails there, a row without all eight personas or objects fails here.

Columns, in this order: anonymous, member, other_member, employer_user, other_employer_user,
clerk, supervisor, auditor. Within a column, one character per object:

    A B C X   a household's record ("A" the member's household, employer 1201; "B" the other
              member's household, also 1201; "C" a household of employer 1202) and "X" one that
              does not exist, for URLs that take a household's record
    S X       the insurer's shared record (a batch, an import run, an employer login, a
              token) and one that does not exist
    K         an allauth key or token (allauth checks them itself)
    (one)     a URL without arguments: a single outcome

Outcomes:

    O  200
    R  302 to a page that is neither login nor re-authentication (the result, the home page)
    A  302 to re-authentication (password, or second factor)
    L  302 to /accounts/login/
    V  302 to the MFA set-up (an employer or staff login with no authenticator)
    -  404: outside the object's reach, as if nothing were there (the access helpers); an
       object-level refusal never says "it exists"
    F  403: a signed-in account without any of the URL's roles (portal.roles.role_required:
       the branded "このアカウントではご利用になれません" page, which names no object), or the
       page itself, saying only a supervisor may do this
    M  405: the method is not one the view takes (only its own role gets that far)
"""

from __future__ import annotations

from tests.authz_world import ARGUMENTS, PERSONAS, URL_ARGUMENTS

GET, POST = "GET", "POST"


class R:
    """One row: a URL pattern (its name, with namespace) and a method, and what each persona
    gets for each object its arguments' kind offers (tests.authz_world.URL_ARGUMENTS)."""

    def __init__(self, name: str, method: str, expect: str) -> None:
        self.name, self.method = name, method
        self.arguments = URL_ARGUMENTS.get(name)
        self.objects = ARGUMENTS[self.arguments][0] if self.arguments else "-"
        groups = expect.split()
        assert len(groups) == len(PERSONAS), f"{name} {method}: {len(groups)} personas"
        assert all(len(group) == len(self.objects) for group in groups), (
            f"{name} {method}: one outcome per object of {self.objects!r}"
        )
        self.expect = dict(zip(PERSONAS, groups, strict=True))


# fmt: off
MATRIX: list[R] = [
    # --- the portal's own pages: pages that only show take GET alone, behind the role check.
    R("landing",                                GET,  "O R R R R R R R"),
    R("landing",                                POST, "M M M M M M M M"),
    R("home",                                   GET,  "L R R R R R R R"),
    # The language switch: anyone may choose (staff and employer pages stay Japanese anyway).
    R("set_language",                           GET,  "M M M M M M M M"),
    R("set_language",                           POST, "R R R R R R R R"),
    R("home",                                   POST, "L M M M M M M M"),
    R("no_role",                                GET,  "L O O O O O O O"),
    R("no_role",                                POST, "L M M M M M M M"),
    R("staff_home",                             GET,  "L F F F F O O F"),
    R("staff_home",                             POST, "L F F F F M M F"),
    R("insurer_edit",                           GET,  "L F F F F O O F"),
    R("insurer_edit",                           POST, "L F F F F O O F"),
    R("supervisor_home",                        GET,  "L F F F F F O F"),
    R("supervisor_home",                        POST, "L F F F F F M F"),
    R("audit_log",                              GET,  "L F F F F F F O"),
    R("audit_log",                              POST, "L F F F F F F M"),
    R("healthz",                                GET,  "O O O O O O O O"),
    R("healthz",                                POST, "M M M M M M M M"),
    R("readyz",                                 GET,  "O O O O O O O O"),
    R("readyz",                                 POST, "M M M M M M M M"),
    R("eligibility:guide",                      GET,  "O O O O O O O O"),
    R("eligibility:guide",                      POST, "M M M M M M M M"),
    # --- allauth's account pages: as allauth defines them (a signed-in login is sent home from
    # login and sign-up; keys and tokens are allauth's to check). Listed one by one all the same,
    # so that a page a new allauth release adds fails the coverage test until it is classified.
    R("account_login",                          GET,  "O R R R R R R R"),
    R("account_login",                          POST, "O R R R R R R R"),
    R("account_logout",                         GET,  "R O O O O O O O"),
    R("account_logout",                         POST, "R R R R R R R R"),
    R("account_inactive",                       GET,  "O O O O O O O O"),
    R("account_inactive",                       POST, "M M M M M M M M"),
    R("account_signup",                         GET,  "O R R R R R R R"),
    R("account_signup",                         POST, "O R R R R R R R"),
    R("account_reauthenticate",                 GET,  "L O O O O O O O"),
    R("account_reauthenticate",                 POST, "L O O O O O O O"),
    R("account_request_reauthentication_code",  GET,  "L O O O O O O O"),
    R("account_request_reauthentication_code",  POST, "L O O O O O O O"),
    R("account_confirm_reauthentication_code",  GET,  "L A A A A A A A"),
    R("account_confirm_reauthentication_code",  POST, "L A A A A A A A"),
    R("account_email",                          GET,  "L O O O O O O O"),
    R("account_email",                          POST, "L R R R R R R R"),
    R("account_email_verification_sent",        GET,  "O O O O O O O O"),
    R("account_email_verification_sent",        POST, "M M M M M M M M"),
    R("account_change_password",                GET,  "L O O O O O O O"),
    R("account_change_password",                POST, "L O O O O O O O"),
    R("account_set_password",                   GET,  "L R R R R R R R"),
    R("account_set_password",                   POST, "L R R R R R R R"),
    R("account_reset_password",                 GET,  "O O O O O O O O"),
    R("account_reset_password",                 POST, "O O O O O O O O"),
    R("account_confirm_login_code",             GET,  "L R R R R R R R"),
    R("account_confirm_login_code",             POST, "L R R R R R R R"),
    R("account_confirm_email",                  GET,  "O O O O O O O O"),
    R("account_confirm_email",                  POST, "- - - - - - - -"),
    R("account_reset_password_from_key_done",   GET,  "O O O O O O O O"),
    R("account_reset_password_from_key_done",   POST, "M M M M M M M M"),
    R("account_reset_password_from_key",        GET,  "O O O O O O O O"),
    R("account_reset_password_from_key",        POST, "O O O O O O O O"),
    R("account_reset_password_done",            GET,  "O O O O O O O O"),
    R("account_reset_password_done",            POST, "M M M M M M M M"),
    # --- allauth's MFA pages: changing a second factor asks for the password again (A); a
    # member, who has no authenticator, finds nothing to deactivate, view or download.
    R("mfa_index",                              GET,  "L O O O O O O O"),
    R("mfa_index",                              POST, "L M M M M M M M"),
    R("mfa_authenticate",                       GET,  "L R R R R R R R"),
    R("mfa_authenticate",                       POST, "L R R R R R R R"),
    R("mfa_reauthenticate",                     GET,  "L A A O O O O O"),
    R("mfa_reauthenticate",                     POST, "L A A O O O O O"),
    R("mfa_activate_totp",                      GET,  "L A A A A A A A"),
    R("mfa_activate_totp",                      POST, "L A A A A A A A"),
    R("mfa_deactivate_totp",                    GET,  "L - - A A A A A"),
    R("mfa_deactivate_totp",                    POST, "L - - A A A A A"),
    R("mfa_view_recovery_codes",                GET,  "L - - A A A A A"),
    R("mfa_view_recovery_codes",                POST, "L M M M M M M M"),
    R("mfa_generate_recovery_codes",            GET,  "L A A A A A A A"),
    R("mfa_generate_recovery_codes",            POST, "L A A A A A A A"),
    R("mfa_download_recovery_codes",            GET,  "L - - A A A A A"),
    R("mfa_download_recovery_codes",            POST, "L - - A A A A A"),
    # --- the member's pages: only the own household (A for `member`, B for `other_member`).
    # A login without a role may link a household (a new sign-up has none until it does); one
    # that already holds a household is sent home; staff, employer and auditor logins may not.
    R("members:home",                           GET,  "L O O F F F F F"),
    R("members:home",                           POST, "L M M F F F F F"),
    R("members:access_log",                     GET,  "L O O F F F F F"),
    R("members:access_log",                     POST, "L M M F F F F F"),
    R("members:access_log_csv",                 GET,  "L O O F F F F F"),
    R("members:access_log_csv",                 POST, "L M M F F F F F"),
    R("members:access_log_pdf",                 GET,  "L O O F F F F F"),
    R("members:access_log_pdf",                 POST, "L M M F F F F F"),
    R("members:link",                           GET,  "L R R F F F F F"),
    R("members:link",                           POST, "L R R F F F F F"),
    R("notices:member_notice",                  GET,  "LLLL O--- -O-- FFFF FFFF FFFF FFFF FFFF"),
    R("notices:member_notice",                  POST, "LLLL MMMM MMMM FFFF FFFF FFFF FFFF FFFF"),
    R("notices:member_notice_pdf",              GET,  "LLLL O--- -O-- FFFF FFFF FFFF FFFF FFFF"),
    R("notices:member_notice_pdf",              POST, "LLLL MMMM MMMM FFFF FFFF FFFF FFFF FFFF"),
    R("notices:member_notice_explanation",      GET,  "LLLL O--- -O-- FFFF FFFF FFFF FFFF FFFF"),
    R("notices:member_notice_explanation",      POST, "LLLL MMMM MMMM FFFF FFFF FFFF FFFF FFFF"),
    R("eligibility:member_certificate_pdf",     GET,  "LLLL O--- -O-- FFFF FFFF FFFF FFFF FFFF"),
    R("eligibility:member_certificate_pdf",     POST, "LLLL MMMM MMMM FFFF FFFF FFFF FFFF FFFF"),
    R("eligibility:smartphone",                 GET,  "LLLL MMMM MMMM FFFF FFFF FFFF FFFF FFFF"),
    R("eligibility:smartphone",                 POST, "LLLL R--- -R-- FFFF FFFF FFFF FFFF FFFF"),
    R("members:mismatch_report",                GET,  "LLLL O--- -O-- FFFF FFFF FFFF FFFF FFFF"),
    R("members:mismatch_report",                POST, "LLLL O--- -O-- FFFF FFFF FFFF FFFF FFFF"),
    R("members:mismatch_member_case",           GET,  "LLLL O--- -O-- FFFF FFFF FFFF FFFF FFFF"),
    R("members:mismatch_member_case",           POST, "LLLL MMMM MMMM FFFF FFFF FFFF FFFF FFFF"),
    # --- the employer's pages: only the own employer's people (1201: A and B; 1202: C).
    # The invitation link is the invitee's credential: anyone holding it sees the page.
    R("members:employer_home",                  GET,  "L F F O O F F F"),
    R("members:employer_home",                  POST, "L F F M M F F F"),
    R("eligibility:employer_people",            GET,  "L F F O O F F F"),
    R("eligibility:employer_people",            POST, "L F F M M F F F"),
    R("eligibility:employer_person",            GET,  "LLLL FFFF FFFF OO-- --O- FFFF FFFF FFFF"),
    R("eligibility:employer_person",            POST, "LLLL FFFF FFFF MMMM MMMM FFFF FFFF FFFF"),
    R("eligibility:employer_apply",             GET,  "LLLL FFFF FFFF OO-- --O- FFFF FFFF FFFF"),
    R("eligibility:employer_apply",             POST, "LLLL FFFF FFFF OO-- --O- FFFF FFFF FFFF"),
    R("eligibility:employer_applications",      GET,  "L F F O O F F F"),
    R("eligibility:employer_applications",      POST, "L F F M M F F F"),
    R("eligibility:employer_upload",            GET,  "L F F O O F F F"),
    R("eligibility:employer_upload",            POST, "L F F O O F F F"),
    R("eligibility:employer_application",       GET,  "LLLL FFFF FFFF OO-- --O- FFFF FFFF FFFF"),
    R("eligibility:employer_application",       POST, "LLLL FFFF FFFF MMMM MMMM FFFF FFFF FFFF"),
    R("eligibility:employer_withdraw",          GET,  "LLLL FFFF FFFF MMMM MMMM FFFF FFFF FFFF"),
    R("eligibility:employer_withdraw",          POST, "LLLL FFFF FFFF RR-- --R- FFFF FFFF FFFF"),
    R("eligibility:employer_certificate_pdf",   GET,  "LLLL FFFF FFFF OO-- --O- FFFF FFFF FFFF"),
    R("eligibility:employer_certificate_pdf",   POST, "LLLL FFFF FFFF MMMM MMMM FFFF FFFF FFFF"),
    R("eligibility:employer_invitation",        GET,  "O- O- O- O- O- O- O- O-"),
    R("eligibility:employer_invitation",        POST, "O- O- O- O- O- O- O- O-"),
    # --- the notice's QR code: the token is the credential, open to anyone.
    R("notices:verify",                         GET,  "O- O- O- O- O- O- O- O-"),
    R("notices:verify",                         POST, "MM MM MM MM MM MM MM MM"),
    # --- 業務課 (clerk and supervisor): every household of every employer. The supervisor alone
    # sees the mismatch report, approves or rejects corrections and resolves number conflicts;
    # a clerk's POST that would start a certificate batch is refused with the page (F).
    R("members:staff_member",                   GET,  "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("members:staff_member",                   POST, "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("members:staff_search",                   GET,  "L F F F F O O F"),
    R("members:staff_search",                   POST, "L F F F F M M F"),
    R("members:copay_missing",                  GET,  "L F F F F O O F"),
    R("members:copay_missing",                  POST, "L F F F F M M F"),
    R("members:issue_code",                     GET,  "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("members:issue_code",                     POST, "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("members:unlink",                         GET,  "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("members:unlink",                         POST, "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("members:mailing_list",                   GET,  "L F F F F O O F"),
    R("members:mailing_list",                   POST, "L F F F F O O F"),
    R("members:imports",                        GET,  "L F F F F O O F"),
    R("members:imports",                        POST, "L F F F F O O F"),
    R("members:import_detail",                  GET,  "LL FF FF FF FF O- O- FF"),
    R("members:import_detail",                  POST, "LL FF FF FF FF MM MM FF"),
    R("members:mismatch_queue",                 GET,  "L F F F F O O F"),
    R("members:mismatch_queue",                 POST, "L F F F F M M F"),
    R("members:mismatch_stats",                 GET,  "L F F F F F O F"),
    R("members:mismatch_stats",                 POST, "L F F F F F M F"),
    R("members:mismatch_case",                  GET,  "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("members:mismatch_case",                  POST, "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("members:mismatch_check",                 GET,  "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("members:mismatch_check",                 POST, "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("members:mismatch_close",                 GET,  "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("members:mismatch_close",                 POST, "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("members:mismatch_propose",               GET,  "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("members:mismatch_propose",               POST, "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("members:mismatch_approve",               GET,  "LLLL FFFF FFFF FFFF FFFF FFFF MMMM FFFF"),
    R("members:mismatch_approve",               POST, "LLLL FFFF FFFF FFFF FFFF FFFF OOO- FFFF"),
    R("members:mismatch_reject",                GET,  "LLLL FFFF FFFF FFFF FFFF FFFF MMMM FFFF"),
    R("members:mismatch_reject",                POST, "LLLL FFFF FFFF FFFF FFFF FFFF OOO- FFFF"),
    R("members:mismatch_conflict_resolve",      GET,  "LL FF FF FF FF FF MM FF"),
    R("members:mismatch_conflict_resolve",      POST, "LL FF FF FF FF FF R- FF"),
    R("eligibility:staff_registration",         GET,  "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("eligibility:staff_registration",         POST, "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("eligibility:staff_legacy_card",          GET,  "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("eligibility:staff_legacy_card",          POST, "LLLL FFFF FFFF FFFF FFFF RRR- RRR- FFFF"),
    R("eligibility:staff_certificate_add",      GET,  "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("eligibility:staff_certificate_add",      POST, "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("eligibility:staff_certificate_edit",     GET,  "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("eligibility:staff_certificate_edit",     POST, "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("eligibility:no_valid_document",          GET,  "L F F F F O O F"),
    R("eligibility:no_valid_document",          POST, "L F F F F M M F"),
    R("eligibility:staff_queue",                GET,  "L F F F F O O F"),
    R("eligibility:staff_queue",                POST, "L F F F F M M F"),
    R("eligibility:staff_application",          GET,  "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("eligibility:staff_application",          POST, "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("eligibility:staff_approve",              GET,  "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("eligibility:staff_approve",              POST, "LLLL FFFF FFFF FFFF FFFF RRR- RRR- FFFF"),
    R("eligibility:staff_return",               GET,  "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("eligibility:staff_return",               POST, "LLLL FFFF FFFF FFFF FFFF RRR- RRR- FFFF"),
    R("eligibility:employer_users",             GET,  "L F F F F O O F"),
    R("eligibility:employer_users",             POST, "L F F F F O O F"),
    R("eligibility:deactivate_employer_user",   GET,  "LL FF FF FF FF MM MM FF"),
    R("eligibility:deactivate_employer_user",   POST, "LL FF FF FF FF R- R- FF"),
    R("eligibility:staff_certificate_pdf",      GET,  "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("eligibility:staff_certificate_pdf",      POST, "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("eligibility:certificate_batches",        GET,  "L F F F F O O F"),
    R("eligibility:certificate_batches",        POST, "L F F F F F O F"),
    R("eligibility:certificate_batch",          GET,  "LL FF FF FF FF O- O- FF"),
    R("eligibility:certificate_batch",          POST, "LL FF FF FF FF MM MM FF"),
    R("eligibility:certificate_batch_resume",   GET,  "LL FF FF FF FF MM MM FF"),
    R("eligibility:certificate_batch_resume",   POST, "LL FF FF FF FF R- R- FF"),
    R("eligibility:certificate_renewals",       GET,  "L F F F F O O F"),
    R("eligibility:certificate_renewals",       POST, "L F F F F F O F"),
    R("notices:staff_notice_pdf",               GET,  "LLLL FFFF FFFF FFFF FFFF OOO- OOO- FFFF"),
    R("notices:staff_notice_pdf",               POST, "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("notices:staff_issue",                    GET,  "LLLL FFFF FFFF FFFF FFFF MMMM MMMM FFFF"),
    R("notices:staff_issue",                    POST, "LLLL FFFF FFFF FFFF FFFF RRR- RRR- FFFF"),
    R("notices:batches",                        GET,  "L F F F F O O F"),
    R("notices:batches",                        POST, "L F F F F O O F"),
    R("notices:batch_detail",                   GET,  "LL FF FF FF FF O- O- FF"),
    R("notices:batch_detail",                   POST, "LL FF FF FF FF MM MM FF"),
    R("notices:batch_resume",                   GET,  "LL FF FF FF FF MM MM FF"),
    R("notices:batch_resume",                   POST, "LL FF FF FF FF R- R- FF"),
    R("notices:batch_print",                    GET,  "LL FF FF FF FF R- R- FF"),
    R("notices:batch_print",                    POST, "LL FF FF FF FF MM MM FF"),
]
# fmt: on

# Refusals that still write, and why; any other refused request must write nothing.
REFUSALS_THAT_WRITE: dict[tuple[str, str], set[str]] = {
    # Every attempt counts against the client's rate limit, a wrong token too.
    ("notices:verify", GET): {"portal_cache"},
    # The refusal is the list page itself, whose viewing is audited like any other.
    ("eligibility:certificate_renewals", POST): {"portal_auditevent"},
}
