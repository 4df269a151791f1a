from sim.cli.entry import main

raise SystemExit(main())
