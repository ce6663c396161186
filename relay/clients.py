"""One connected EventSource client, written to straight through its transport."""


class Client:
    """An open /events stream.

    `done` is a future that the stream's handler awaits; it is resolved with the
    reason the stream ends ("shutdown", "dropped", "gone").
    """

    __slots__ = ("chunked", "done", "transport")

    def __init__(self, transport, chunked, done):
        self.transport = transport
        self.chunked = chunked
        self.done = done

    @property
    def closed(self):
        return self.transport.is_closing()

    @property
    def backlog(self):
        """Bytes written but not yet taken by the kernel."""
        return self.transport.get_write_buffer_size()

    def write(self, frame):
        self.transport.write(frame.chunk if self.chunked else frame.raw)

    def finish(self, reason):
        if not self.done.done():
            self.done.set_result(reason)

    def abort(self):
        """Close the connection at once, discarding unsent data."""
        self.transport.abort()
        self.finish("dropped")
