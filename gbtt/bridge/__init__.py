"""The multipoint bridge's program (component `multipoint_bridge`), shipped
to the bridge host as the package `gbtt_bridge` and run there in its own
virtualenv (sippy from PyPI): a SIP user agent that puts every room of a
meeting into the meeting's Janus AudioBridge room on the conference server
as a plain-RTP participant (Janus mixes: each room hears the others and not
itself), for calls the rooms make (`sip:<meeting number>@<domain>`) and for
calls the bridge makes to the rooms when the central engineer starts the
meeting (Art. 2.3); the sound's levels (who speaks) and the composed picture
by GStreamer. Only `service` imports sippy, and only `gst`, `video` and
`voice` GStreamer; the rest is the standard library, so that the
controller's tests import it as `gbtt.bridge`."""
