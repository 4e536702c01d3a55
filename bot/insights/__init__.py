"""A report of what residents asked and what the bot could not answer, built from the stored
conversations and the centre's database, without personal data: ``python -m bot.insights``, and
on the staff desk for admins. See docs/staff.md."""
