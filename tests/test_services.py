import redis

from stack.services import RedisServer


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


def test_mosquitto_rejects_anonymous_publish(mosquitto):
    import paho.mqtt.client as mqtt

    received = []
    subscriber = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    subscriber.on_message = lambda client, userdata, message: received.append(message)
    subscriber.connect("127.0.0.1", mosquitto.tcp_port)
    subscriber.subscribe(f"{mosquitto.topic_prefix}/#", qos=1)
    subscriber.loop_start()

    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    publisher.connect("127.0.0.1", mosquitto.tcp_port)
    publisher.loop_start()
    publisher.publish(f"{mosquitto.topic_prefix}/updates", b"forged", qos=1).wait_for_publish(5)

    bridge = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    bridge.username_pw_set(mosquitto.bridge_user, mosquitto.bridge_password)
    bridge.connect("127.0.0.1", mosquitto.tcp_port)
    bridge.loop_start()
    bridge.publish(f"{mosquitto.topic_prefix}/updates", b"real", qos=1).wait_for_publish(5)

    import time

    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    for client in (subscriber, publisher, bridge):
        client.loop_stop()
        client.disconnect()
    assert [message.payload for message in received] == [b"real"]
