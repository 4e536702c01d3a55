"""Custom actions of the Jiangmen cross-border service assistant (run by bot.action_server).

Each action is thin: it reads the tracker into a bot.dialogue.Turn, asks bot.dialogue what to
answer, and sends the reply. Knowledge and wording live in bot/.
"""
