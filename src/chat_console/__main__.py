from chat_console.cli import main

raise SystemExit(main())
