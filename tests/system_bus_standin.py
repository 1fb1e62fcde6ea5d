"""Stand-ins for NetworkManager and logind on a private bus (jeepney, no Qt): they own the
real names, answer NetworkManager's State property and send the signals asked for on
standard input, one command per line: `state N` (StateChanged) or `sleep true|false`
(PrepareForSleep). Prints "ready" once the names are owned.

    python system_bus_standin.py BUS_ADDRESS INITIAL_STATE
"""

from __future__ import annotations

import queue
import sys
import threading

from jeepney import DBusAddress, HeaderFields, MessageType, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NM = DBusAddress("/org/freedesktop/NetworkManager", interface="org.freedesktop.NetworkManager")
LOGIN1 = DBusAddress("/org/freedesktop/login1", interface="org.freedesktop.login1.Manager")


def _read_commands(commands: queue.Queue[str | None]) -> None:
    for line in sys.stdin:
        commands.put(line.strip())
    commands.put(None)


def main() -> int:
    address, state = sys.argv[1], int(sys.argv[2])
    connection = open_dbus_connection(bus=address)
    for name in ("org.freedesktop.NetworkManager", "org.freedesktop.login1"):
        connection.send_and_get_reply(message_bus.RequestName(name))
    commands: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_commands, args=(commands,), daemon=True).start()
    print("ready", flush=True)
    while True:
        while not commands.empty():
            command = commands.get()
            if command is None:
                return 0
            verb, value = command.split()
            if verb == "state":
                state = int(value)
                connection.send(new_signal(NM, "StateChanged", "u", (state,)))
            else:
                connection.send(new_signal(LOGIN1, "PrepareForSleep", "b", (value == "true",)))
            print("sent", command, flush=True)
        try:
            message = connection.receive(timeout=0.05)
        except TimeoutError:
            continue
        if message.header.message_type == MessageType.method_call \
                and message.header.fields.get(HeaderFields.member) == "Get":
            connection.send(new_method_return(message, "v", (("u", state),)))


if __name__ == "__main__":
    sys.exit(main())
