# A responder's own screenings (/screenings).
nav-screenings = My screenings
screenings-title = My screenings
screenings-title-org = Screenings of my organisation
screenings-intro = The screenings you carried out, newest first. Open one to see its result and what happens next.
screenings-intro-org = Every screening of your organisation, newest first. Open one to see its result and what happens next.
screenings-none = No screenings yet.
screenings-new = Start a screening
screenings-adult = Adult
screenings-child = Child
screenings-referred = Referred into a case
screenings-not-referred = Not referred
screenings-open-case = Referred: open the case
screenings-by-colleague = by a colleague
screenings-cut = Only the { $count } most recent screenings are shown.
case-screening = Referred from a screening
case-screening-open = Open the screening
