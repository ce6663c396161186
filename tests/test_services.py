import socket
import threading
import time

import paho.mqtt.client as mqtt
import pytest
import redis

from stack.local import LocalStack
from stack.services import MosquittoBroker, RedisServer, ServiceError


def test_redis_keeps_data_across_restart(tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        client = redis.Redis.from_url(server.url)
        client.set("key", "value")
        client.close()

        server.restart(kill=True)

        client = redis.Redis.from_url(server.url)
        assert client.get("key") == b"value"
        client.close()
    finally:
        server.stop()


def test_start_on_busy_port_fails_and_leaves_nothing(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        server = RedisServer(tmp_path, port=port)

        try:
            with pytest.raises(ServiceError) as raised:
                server.start()
        finally:
            server.stop()

    assert f"127.0.0.1:{port} is in use" in str(raised.value)
    assert "redis" in str(raised.value)
    assert server.process is None


def test_service_that_never_listens_is_stopped(tmp_path, monkeypatch):
    server = RedisServer(tmp_path)
    server.start_timeout = 0.5
    monkeypatch.setattr(server, "command", lambda: ["sleep", "60"])

    with pytest.raises(ServiceError):
        server.start()

    assert server.process is not None
    assert server.process.poll() is not None


def test_stack_names_service_that_exited(tmp_path):
    stack = LocalStack(tmp_path)
    stack.services["redis"] = RedisServer(tmp_path / "redis").start()
    try:
        assert stack.exited_services() == []

        stack.services["redis"].process.kill()
        stack.services["redis"].process.wait()

        log = tmp_path / "redis" / "redis.log"
        assert stack.exited_services() == [f"redis (exit code -9, log {log})"]
        assert stack.log_folders() == [tmp_path / "redis"]
    finally:
        stack.stop()


def connect(port, user=None, password=None):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    if user:
        client.username_pw_set(user, password)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def test_mosquitto_rejects_anonymous_publish(mosquitto):
    topic = f"{mosquitto.topic_prefix}/acl-check"
    received = []
    subscribed = threading.Event()
    subscriber = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    subscriber.on_message = lambda client, userdata, message: received.append(
        message.payload
    )
    subscriber.on_subscribe = lambda *args: subscribed.set()
    subscriber.connect("127.0.0.1", mosquitto.tcp_port)
    subscriber.loop_start()
    subscriber.subscribe(topic, qos=1)
    assert subscribed.wait(5)

    anonymous = connect(mosquitto.tcp_port)
    anonymous.publish(topic, b"forged", qos=1).wait_for_publish(5)
    bridge = connect(
        mosquitto.tcp_port, mosquitto.bridge_user, mosquitto.bridge_password
    )
    bridge.publish(topic, b"real", qos=1).wait_for_publish(5)

    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # a forged message would arrive before the real one
    for client in (subscriber, anonymous, bridge):
        client.loop_stop()
        client.disconnect()
    assert received == [b"real"]


def test_mosquitto_bridge_password_is_new_per_broker(tmp_path, mosquitto):
    other = MosquittoBroker(tmp_path)
    other._write_config()
    written = tmp_path / "bridge-password"

    assert other.bridge_password != mosquitto.bridge_password
    assert len(other.bridge_password) >= 32
    assert written.read_text() == other.bridge_password + "\n"
    assert written.stat().st_mode & 0o777 == 0o600


def test_mosquitto_rejects_wrong_bridge_password(mosquitto):
    failed = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.username_pw_set(mosquitto.bridge_user, "bridge-local-password")
    client.on_connect = lambda client, userdata, flags, reason, props: (
        failed.set() if reason.is_failure else None
    )
    client.connect("127.0.0.1", mosquitto.tcp_port)
    client.loop_start()
    try:
        assert failed.wait(5), "the broker accepted the old fixed bridge password"
    finally:
        client.loop_stop()
        client.disconnect()
