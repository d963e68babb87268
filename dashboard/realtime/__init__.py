"""Socket.IO for the screens: authenticate on connect, one room per unit (sockets), the web
process's end of the message queue (queue) and the resume of what a screen missed (replay)."""
