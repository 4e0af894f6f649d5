from proton_lint.cli import main

raise SystemExit(main())
