"""Just enough of Windows' winreg, in memory, for the policy reader and the Run key.

Keys are (root, path) → {value name: (data, kind)}, in the order values were set, which
is the order EnumValue gives them. Missing keys and values raise FileNotFoundError as
winreg does; set `failure` to make every open fail (access denied, say).
"""

from __future__ import annotations

from typing import Any

_NOT_FOUND = (2, "The system cannot find the file specified")


class FakeKey:
    def __init__(self, root: int, path: str) -> None:
        self.root = root
        self.path = path
        self.closed = False


class FakeWinreg:
    HKEY_CURRENT_USER = 0x80000001
    HKEY_LOCAL_MACHINE = 0x80000002
    KEY_READ = 0x20019
    KEY_WRITE = 0x20006
    KEY_SET_VALUE = 0x0002
    REG_SZ = 1
    REG_EXPAND_SZ = 2
    REG_BINARY = 3
    REG_DWORD = 4
    REG_MULTI_SZ = 7
    REG_QWORD = 11

    def __init__(self) -> None:
        self.keys: dict[tuple[int, str], dict[str, tuple[Any, int]]] = {}
        self.handles: list[FakeKey] = []
        self.failure: OSError | None = None

    def set(self, key: tuple[int, str], name: str, data: Any, kind: int) -> None:
        """Put a value under (root, path), as an administrator or an installer would."""
        self.keys.setdefault(key, {})[name] = (data, kind)

    def _open(self, root: int, path: str) -> FakeKey:
        if self.failure is not None:
            raise self.failure
        handle = FakeKey(root, path)
        self.handles.append(handle)
        return handle

    def _values(self, key: FakeKey) -> dict[str, tuple[Any, int]]:
        assert not key.closed
        return self.keys[(key.root, key.path)]

    def OpenKey(self, root: int, path: str, reserved: int = 0, access: int = KEY_READ) -> FakeKey:
        if self.failure is None and (root, path) not in self.keys:
            raise FileNotFoundError(*_NOT_FOUND)
        return self._open(root, path)

    def CreateKeyEx(self, root: int, path: str, reserved: int = 0,
                    access: int = KEY_WRITE) -> FakeKey:
        handle = self._open(root, path)
        self.keys.setdefault((root, path), {})
        return handle

    def QueryInfoKey(self, key: FakeKey) -> tuple[int, int, int]:
        return 0, len(self._values(key)), 0

    def EnumValue(self, key: FakeKey, index: int) -> tuple[str, Any, int]:
        name, (data, kind) = list(self._values(key).items())[index]
        return name, data, kind

    def SetValueEx(self, key: FakeKey, name: str, reserved: int, kind: int, data: Any) -> None:
        self._values(key)[name] = (data, kind)

    def QueryValueEx(self, key: FakeKey, name: str) -> tuple[Any, int]:
        try:
            return self._values(key)[name]
        except KeyError:
            raise FileNotFoundError(*_NOT_FOUND) from None

    def DeleteValue(self, key: FakeKey, name: str) -> None:
        if self._values(key).pop(name, None) is None:
            raise FileNotFoundError(*_NOT_FOUND)

    def CloseKey(self, key: FakeKey) -> None:
        key.closed = True
