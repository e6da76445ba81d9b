# Break the glass by the case's reference (/break-glass, administrators).
nav-break-glass = Break the glass
break-glass-intro = For an emergency only: you will read a record you are not otherwise allowed to see. Your reason is sealed in the audit trail and the case's coordinators are told at once.
break-glass-reference = The case's reference (such as SP-2026-ABCD-EFGH)
break-glass-admins-only = Only an administrator may break the glass.
break-glass-error-reason_required = Say why in at least 15 characters (without the person's name).
break-glass-error-reference_required = Write the case's reference.
break-glass-error-reference_unknown = No case has this reference. Check it with whoever gave it to you.
