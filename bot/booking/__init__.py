"""视频办 (video service) appointments: the booking service, its storage and timetable, and the
HTTP client the custom actions use. See docs/booking.md."""
