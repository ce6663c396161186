import sys

from bridge.service import main

sys.exit(main())
