from relay.service import main

main()
