"""The service centre's side: the staff desk (a server-rendered web app on a private port),
accounts and audit, the timetable admin, callbacks, ratings (好差评) and notices to residents.
See docs/staff.md."""
