using SeSPHR.Client.Accounts;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// The signed-in user the gateway acts for, with the folder where their client keeps its grant
/// journal: a patient's section epochs live there, and a write must be sealed to the current ones.
/// </summary>
internal sealed record GatewayUser(PhrUser User, string JournalFolder);
