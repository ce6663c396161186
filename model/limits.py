"""Size limits for every field, and the byte budget for the whole state.

AWS IoT Core rejects payloads over 128 KB and disconnects the client. The largest
message is the snapshot, so the state's JSON is kept to 96 KiB, which leaves room for
the message envelope and the topic.
"""

STATE_MAX_BYTES = 96 * 1024

SITE_TITLE_MAX = 80
SITE_EVENT_MAX = 120
SITE_ANNOUNCEMENT_MAX = 500

REGIONS_MAX = 24
REGION_ID_MAX = 40
REGION_TITLE_MAX = 64
REGION_ORDER_MAX = 999
NO_STREAMS_TEXT_MAX = 300

STREAMS_PER_REGION_MAX = 60
STREAM_ID_MAX = 48
STREAM_NAME_MAX = 64
STREAM_URL_MAX = 300
STREAM_INFO_MAX = 300
LANGUAGE_MAX = 32
TAGS_MAX = 6
TAG_MAX = 24
SCORE_MAX = 99
