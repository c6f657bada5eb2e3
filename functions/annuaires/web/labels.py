"""Messages chosen by a value (a weekday, a status, a role, a field's name): value → message key, each key written
out whole so that the extractor finds it (catalogs.N_), and no key is built from pieces."""

from __future__ import annotations

from annuaires.catalogs import N_

AUDIT = {  # an audit entry's action (services/audit.py's ACTIONS)
    "password_changed": N_("audit_password_changed"),
    "directories_admin_password_set": N_("audit_directories_admin_password_set"),
    "password_reset": N_("audit_password_reset"), "mailer_configured": N_("audit_mailer_configured"),
    "directory_created": N_("audit_directory_created"), "directory_activated": N_("audit_directory_activated"),
    "directory_deactivated": N_("audit_directory_deactivated"), "directory_updated": N_("audit_directory_updated"),
    "group_created": N_("audit_group_created"), "groupement_created": N_("audit_groupement_created"),
    "reference_added": N_("audit_reference_added"), "dereferenced_recent": N_("audit_dereferenced_recent"),
    "dereferenced_deactivated": N_("audit_dereferenced_deactivated"),
    "group_reactivated": N_("audit_group_reactivated"), "mailing_configured": N_("audit_mailing_configured"),
    "member_added": N_("audit_member_added"), "member_updated": N_("audit_member_updated"),
    "member_activated": N_("audit_member_activated"), "member_deactivated": N_("audit_member_deactivated"),
    "member_removed": N_("audit_member_removed"), "members_imported": N_("audit_members_imported"),
    "member_unsubscribed": N_("audit_member_unsubscribed"), "message_updated": N_("audit_message_updated"),
    "delivery_added": N_("audit_delivery_added"), "delivery_removed": N_("audit_delivery_removed"),
    "mail_domain_created": N_("audit_mail_domain_created"), "mail_account_created": N_("audit_mail_account_created"),
    "mail_account_updated": N_("audit_mail_account_updated"),
    "mail_account_renamed": N_("audit_mail_account_renamed"),
    "mail_account_activated": N_("audit_mail_account_activated"),
    "mail_account_deactivated": N_("audit_mail_account_deactivated"),
    "mail_password_reset": N_("audit_mail_password_reset"), "mail_account_deleted": N_("audit_mail_account_deleted"),
    "mail_alias_created": N_("audit_mail_alias_created"), "mail_alias_deleted": N_("audit_mail_alias_deleted"),
    "mail_password_changed": N_("audit_mail_password_changed"),
    "mail_operator_created": N_("audit_mail_operator_created"),
    "mail_operator_deleted": N_("audit_mail_operator_deleted"),
    "mail_export_token_set": N_("audit_mail_export_token_set"),
}

BATCHES = {  # a batch's status
    "pending": N_("batch_pending"), "sending": N_("batch_sending"), "waiting": N_("batch_waiting"),
    "done": N_("batch_done"),
}

COMPANIONS = {  # a companion mailbox's use
    "secours": N_("mail_companion_secours"), "backup": N_("mail_companion_backup"),
    "archives": N_("mail_companion_archives"),
}

COMPANIONS_HELP = {  # what a companion mailbox is for
    "secours": N_("mail_companion_secours_help"), "backup": N_("mail_companion_backup_help"),
    "archives": N_("mail_companion_archives_help"),
}

DAYS = {  # a mailing's weekday
    "mon": N_("day_mon"), "tue": N_("day_tue"), "wed": N_("day_wed"), "thu": N_("day_thu"), "fri": N_("day_fri"),
    "sat": N_("day_sat"), "sun": N_("day_sun"),
}

FIELDS = {  # a form's or an answer's field, as a person reads it
    "take_over": N_("field_take_over"), "no_color": N_("field_no_color"), "name": N_("field_name"),
    "initials": N_("field_initials"), "password": N_("field_password"), "current": N_("field_current"),
    "new": N_("field_new"), "email": N_("field_email"), "type": N_("field_type"), "color": N_("field_color"),
    "comment": N_("field_comment"), "directory": N_("field_directory"), "group": N_("field_group"),
    "day": N_("field_day"), "mailer": N_("field_mailer"), "subject": N_("field_subject"), "body": N_("field_body"),
    "from": N_("field_from"), "smtp_host": N_("field_smtp_host"), "smtp_port": N_("field_smtp_port"),
    "username": N_("field_username"), "starttls": N_("field_starttls"), "cursor": N_("field_cursor"),
    "confirm": N_("field_confirm"), "letter": N_("field_letter"), "clear_password": N_("field_clear_password"),
    "per_minute": N_("field_per_minute"), "per_day": N_("field_per_day"), "address": N_("field_address"),
    "display_name": N_("field_display_name"), "site": N_("field_site"), "quota_mb": N_("field_quota_mb"),
    "targets": N_("field_targets"), "login": N_("field_login"), "token": N_("field_token"),
    "since": N_("field_since"), "domains": N_("field_domains"), "admin": N_("field_admin"), "q": N_("field_q"),
    "former": N_("field_former"), "text": N_("field_text"), "dry_run": N_("field_dry_run"),
    "audit": N_("field_audit"), "week": N_("field_week"), "role": N_("field_role"), "active": N_("field_active"),
    "kinds": N_("field_kinds"), "passphrase": N_("field_passphrase"),
}

HANDOVER_KINDS = {  # what a handover sheet hands over
    "directory": N_("handover_kind_directory"), "group": N_("handover_kind_group"),
    "groupement": N_("handover_kind_groupement"),
}

HELD = {  # why a batch waits
    "mailer_limit": N_("held_mailer_limit"), "deferred_retry": N_("held_deferred_retry"),
    "relay_unavailable": N_("held_relay_unavailable"),
}

KINDS = {  # a counted kind of entity
    "Directory": N_("kind_Directory"), "Group": N_("kind_Group"), "Member": N_("kind_Member"),
    "Session": N_("kind_Session"), "Audit": N_("kind_Audit"),
}

MEMBERS = {  # the members of a group or a groupement
    "group": N_("members_group"), "groupement": N_("members_groupement"),
}

REASONS = {  # why the sign-in page shows again
    "session_closed": N_("reason_session_closed"), "session_expired": N_("reason_session_expired"),
    "session_reset": N_("reason_session_reset"), "session_password_changed": N_("reason_session_password_changed"),
    "account_deactivated": N_("reason_account_deactivated"), "signed_out": N_("reason_signed_out"),
}

RECIPIENTS = {  # a recipient's status
    "pending": N_("recipient_pending"), "claimed": N_("recipient_claimed"), "sent": N_("recipient_sent"),
    "deferred": N_("recipient_deferred"), "refused": N_("recipient_refused"), "error": N_("recipient_error"),
    "unknown": N_("recipient_unknown"),
}

ROLES = {  # a role (services/roles.py)
    "general": N_("role_general"), "directories": N_("role_directories"), "directory": N_("role_directory"),
    "group": N_("role_group"), "mail": N_("role_mail"), "mailbox": N_("role_mailbox"), "member": N_("role_member"),
}

STATES = {  # a referenced directory's state
    "recent": N_("state_recent"), "deactivated": N_("state_deactivated"),
}

TYPES = {  # a group's type
    "group": N_("type_group"), "groupement": N_("type_groupement"),
}
