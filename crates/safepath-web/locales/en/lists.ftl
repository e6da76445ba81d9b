# Per-role lists: the referral inbox, notifications, the case list.

## Moments relative to today
when-today = today
when-today-at = today, {$time}
when-yesterday = yesterday
when-days-ago = {$days ->
    [one] {$days} day ago
   *[other] {$days} days ago
}

## Age bands (what a receiving organisation may know before accepting)
age-band-0_11 = aged 0 to 11 (child)
age-band-12_17 = aged 12 to 17 (child)
age-band-18_24 = aged 18 to 24
age-band-25_34 = aged 25 to 34
age-band-35_44 = aged 35 to 44
age-band-45_plus = aged 45 or over
age-band-unknown = age not known

## The referral inbox
referrals-unknown-org = an organisation no longer registered
referrals-sent-by = Sent by
referrals-sent-to = Sent to
referrals-person = Person
referrals-person-not-shared = Not shared (the referral does not carry identity data)
referrals-sent = Sent
referrals-reason-given = Reason given
referrals-decline-reason = Why you decline (the sender reads this)
referrals-open-case = Open the case
referrals-none-inbox = No referral waits for your organisation. New ones appear here, and you get a notification.
referrals-none-outbox = Your organisation has not sent a referral yet. Send one from a case's "Consent and referrals" page.
referrals-error-title = The referral was not declined
referrals-error-reason = Say why you decline: the sending organisation needs it to find another service.
referrals-done-accept = The referral was accepted: the case now opens for you with what was shared, and the sender was told.
referrals-done-decline = The referral was declined and the sender was told why.
referrals-done-complete = The referral was marked as completed.
referrals-done-revoke = The referral was withdrawn.
audit-action-referral-preview = looked at the sex and age band of the person in a referral, to judge it

## Notifications: what happened, in words
notifications-new-title = New
notifications-read-title = Read
notifications-none-unread = Nothing new. You are told here when a referral arrives or is answered, a task or a case is given to you, an approval or a decision is recorded, or a deadline comes near.
notifications-mark-all-read = Mark all as read
notifications-mark-one = Mark as read
notifications-marked-one = The notification is marked as read; it is kept under "Read".
notice-other = Something changed in SafePath that concerns you.
notice-referral = { $source ->
    [screening] A screening referred a person to your organisation: case { $reference } waits for a case manager.
   *[other] New referral for { $service } from { $org } ({ $urgency }): judge it in your referral inbox.
}
notice-referral-plain = A new referral waits in your organisation's referral inbox.
notice-referral-answered = { $side ->
    [sender] Your referral of case { $reference } to { $org } for { $service } is now: { $state }.
   *[receiver] The referral from { $org } for { $service } is now: { $state }.
}
notice-referral-answered-plain = A referral was answered.
notice-consent-withdrawn-plain = The person withdrew their consent: a referral to your organisation has ended, and its data is no longer available.
notice-approval-requested = Your approval is asked for on case { $reference }: { $subject }.
notice-approval-requested-plain = Your approval is asked for on a case.
notice-approval-decided = The { $subject } you asked approval for on case { $reference } is { $state }.
notice-approval-decided-plain = An approval you asked for was decided.
notice-task-assigned = A task on case { $reference } is yours, due { $due }.
notice-task-assigned-plain = A task on a case is yours.
notice-task-due = A task on case { $reference } is due on { $due }.
notice-task-due-plain = A task of yours is due.
notice-case-assigned = Case { $reference } was given to you to manage.
notice-case-assigned-plain = A case was given to you to manage.
notice-case-changed = Someone else changed case { $reference }, which you manage.
notice-case-changed-plain = Someone else changed a case you manage.
notice-document-added = { $org } added a document to case { $reference }, which you manage.
notice-document-added-plain = Another organisation added a document to a case you manage.
notice-recovery-codes-reset-plain = Your two-step sign-in recovery codes were replaced after a security key change. Make new ones in your settings; your authenticator app still signs you in.
notice-decision = A { $stage } was recorded on case { $reference }.
notice-decision-plain = An identification decision was recorded on a case you manage.
notice-break-glass = { $user } (administrator) opened case { $reference } in an emergency (break the glass). The reason is in the case's audit trail.
notice-break-glass-plain = An administrator opened a case of your organisation in an emergency (break the glass). The reason is in the case's audit trail.
notice-tracing-match = A family tracing request may concern the person in case { $reference }. Review it and ask the person.
notice-tracing-match-plain = A family tracing request may concern a person in your care.
notice-tracing-found = Tracing request { $reference }: the person was found and agreed to contact. Open the request for the contact route.
notice-tracing-found-plain = A person you are looking for was found and agreed to contact.
notice-permit-expiry = { $expired ->
    [yes] A permit on case { $reference } expired on { $day }, and the person is still in protection.
   *[no] A permit on case { $reference } expires on { $day }.
}
notice-permit-expiry-plain = A permit on a case you work on expires soon.
notice-hearing-upcoming = The person on case { $reference } has a { $event } on { $day }: arrange accompaniment, interpretation and travel.
notice-hearing-upcoming-plain = The person on a case you work on has a hearing soon.
notice-open-inbox = Open the referral inbox
notice-open-referrals = Open the case's referrals
notice-open-approvals = Open the approvals
notice-open-tasks = Open the care plan
notice-open-decisions = Open the decisions
notice-open-audit = Open the audit trail
notice-open-tracing-request = Open the tracing request
notice-open-tracing = Open tracing
notice-open-justice = Open rights and justice
notice-open-case = Open the case
notice-open-documents = Open the documents
notice-open-two-factor = Open two-step sign-in

## The case list
cases-filter-manager = Case manager
cases-filter-overdue = Only cases with a decision or task past its due date
cases-next-deadline = Next deadline
cases-no-deadline = none open
cases-overdue = Overdue
cases-search-title = Search results
cases-search-count = Cases found
cases-back-to-list = Back to all cases
cases-none-search = No case matches this search. Check the spelling, try one word of the name or the reference (SP-…), or search for an existing record before opening a new case.
cases-none-filtered = No case matches these filters. Loosen a filter, or clear them to see every case you can see.
cases-none-yet = You can see no case yet. A case appears here when you open one, when one is given to you, or when your organisation accepts a referral.
cases-search-gone-title = This search is no longer kept
cases-search-gone = Searches are kept for 30 minutes and only for the session that made them (names never go into a web address). Search again from the case list.
notice-handover-alert = { $alert ->
    [security_alert] A security alert was raised on a cross-border handover: read it and decide what to do with the other side.
   *[other] A follow-up report after return says the person may be at risk of being trafficked again: act with the other side now.
}
notice-handover-alert-plain = An alert was raised on a cross-border handover.
notice-open-handover = Open the handover
notice-returned-person-again-plain = This case may be about a person who returned home through a cross-border handover and is in the records again (a new case from a screening, or the de-duplication run): they may have been trafficked again. Compare the records. Where the handover is still open, the receiving organisation was alerted through it.
