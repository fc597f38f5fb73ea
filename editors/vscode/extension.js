// The inforce extension for VS Code: starts `inforce lsp` for the YAML
// files of the workspace (rule files, golden tests and cases) and nothing
// else; everything it shows comes from the language server.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("inforce");
  const command = config.get("path", "inforce");
  const rules = config.get("rules", "rules");
  client = new LanguageClient(
    "inforce",
    "inforce",
    { command, args: ["lsp"] },
    {
      documentSelector: [
        { scheme: "file", language: "yaml" },
        { scheme: "file", language: "json", pattern: "**/examples/**" }
      ],
      initializationOptions: { rules },
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.yaml")
      }
    }
  );
  client.start();
  context.subscriptions.push({ dispose: () => client && client.stop() });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
