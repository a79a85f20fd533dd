"""A Janus HTTP API client for the bridge (standard library only): one Janus
session for the bridge's life, one AudioBridge handle per room in a call.
Janus answers some requests at once and others (join, configure) later as an
event: a thread long-polls the session (which also keeps it alive) and hands
each event to the request that waits for it, or to `on_event` (who talks,
who left)."""
from __future__ import annotations

import json
import logging
import os
import ssl
import threading
import urllib.parse
import urllib.request

log = logging.getLogger("gbtt-bridge.janus")


class JanusError(Exception):
    pass


class Janus:
    def __init__(self, url: str, api_secret: str, cafile: str | None = None, timeout: float = 5.0, on_event=None):
        self.url = url.rstrip("/")
        self.api_secret = api_secret
        self.timeout = timeout
        self.on_event = on_event or (lambda event: None)
        if url.startswith("https"):
            self.tls = ssl.create_default_context(cafile=cafile)  # the province's CA (gbtt/pki.py)
        else:
            self.tls = None
        self.session: int | None = None
        self._waiting: dict[str, list] = {}  # transaction -> [threading.Event, event]
        self._lock = threading.Lock()
        self._stop = threading.Event()

    # -- transport --------------------------------------------------------------
    def _http(self, path: str, body: dict | None = None, timeout: float | None = None):
        url = f"{self.url}{path}"
        data = None
        if body is None:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"apisecret": self.api_secret})
        else:
            data = json.dumps({**body, "apisecret": self.api_secret}).encode()
        req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout or self.timeout, context=self.tls) as resp:
            return json.loads(resp.read())

    def _post(self, path: str, body: dict) -> tuple[dict, str]:
        transaction = os.urandom(8).hex()
        reply = self._http(path, {**body, "transaction": transaction})
        if reply.get("janus") == "error":
            raise JanusError(f"{body.get('janus')}: {reply['error'].get('reason')} ({reply['error'].get('code')})")
        return reply, transaction

    # -- session ----------------------------------------------------------------
    def start(self) -> None:
        """Keep a session with Janus from now on (created again if Janus restarts), in a thread."""
        threading.Thread(target=self._poll, name="janus-poll", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        if self.session is not None:
            try:
                self._post(f"/{self.session}", {"janus": "destroy"})
            except (OSError, JanusError):
                pass

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                if self.session is None:
                    reply, _ = self._post("", {"janus": "create"})
                    self.session = reply["data"]["id"]
                    log.info("session %s with Janus at %s", self.session, self.url)
                events = self._http(f"/{self.session}?maxev=10", timeout=40)
            except (OSError, ValueError, JanusError) as exc:
                log.warning("Janus at %s: %s", self.url, exc)
                self.session = None
                self._stop.wait(2)
                continue
            for event in events if isinstance(events, list) else [events]:
                if event.get("janus") == "error":  # e.g. 458, no such session: Janus restarted
                    log.warning("Janus: %s", event["error"].get("reason"))
                    self.session = None
                    break
                self._dispatch(event)

    def _session(self) -> int:
        if self.session is None:
            raise JanusError(f"no session with Janus at {self.url}")
        return self.session

    def _dispatch(self, event: dict) -> None:
        if event.get("janus") == "keepalive":
            return
        with self._lock:
            waiter = self._waiting.get(event.get("transaction", ""))
        if waiter and event.get("janus") == "event":
            waiter[1] = event
            waiter[0].set()
        else:
            self.on_event(event)

    # -- handles ----------------------------------------------------------------
    def attach(self, plugin: str = "janus.plugin.audiobridge") -> int:
        reply, _ = self._post(f"/{self._session()}", {"janus": "attach", "plugin": plugin})
        return reply["data"]["id"]

    def detach(self, handle: int) -> None:
        """The handle let go, in a thread of its own: nobody needs Janus's answer, and the bridge's SIP loop,
        where calls end, must not wait on a Janus slowed down (a meeting's `end` lets go of every room's)."""
        threading.Thread(target=self._detach, args=(self.session, handle), name="janus-detach", daemon=True).start()

    def _detach(self, session: int, handle: int) -> None:
        try:
            self._post(f"/{session}/{handle}", {"janus": "detach"})
        except (OSError, JanusError) as exc:
            log.warning("detach %s: %s", handle, exc)

    def request(self, handle: int, body: dict) -> dict:
        """The plugin's answer (`plugindata.data`) to `body`, waiting for the event if Janus acknowledges first."""
        transaction = os.urandom(8).hex()
        waiter = [threading.Event(), None]
        with self._lock:
            self._waiting[transaction] = waiter
        try:
            reply = self._http(f"/{self._session()}/{handle}",
                               {"janus": "message", "body": body, "transaction": transaction})
            if reply.get("janus") == "ack":
                if not waiter[0].wait(self.timeout):
                    raise JanusError(f"{body.get('request')}: no answer from Janus in {self.timeout:.0f} s")
                reply = waiter[1]
        finally:
            with self._lock:
                self._waiting.pop(transaction, None)
        if reply.get("janus") == "error":
            raise JanusError(f"{body.get('request')}: {reply['error'].get('reason')}")
        data = reply.get("plugindata", {}).get("data", {})
        if data.get("error"):
            raise JanusError(f"{body.get('request')}: {data['error']} ({data.get('error_code')})")
        return data
