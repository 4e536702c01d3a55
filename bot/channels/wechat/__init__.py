"""The WeChat official account (公众号) channel, built on wechatpy (docs/wechat.md).

- ``config``: settings from the environment, WeChat's limits
- ``protocol``: signatures, safe-mode crypto, parsing and replies (pure, on wechatpy)
- ``inbound``: what a WeChat message means for the bot
- ``exchange``: dedup, the 5-second rule, passive / 客服 / next-message delivery
- ``replies``: the bot's messages as WeChat text (numbered options, 2048-byte parts)
- ``store``: what the channel remembers, in the shared channel state
- ``api``: async client for access tokens, 客服 messages, the menu; ``send_text`` for others
- ``channel``: the Rasa input channel (credentials.yml: ``bot.channels.wechat.channel.WeChatInput``)
- ``menu``, ``simulator``, ``__main__``: the operator tools (menu push, a local WeChat simulator)
"""
