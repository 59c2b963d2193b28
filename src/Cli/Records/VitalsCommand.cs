using System.CommandLine;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Profile;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;

namespace SeSPHR.Cli.Records;

/// <summary>
/// <c>sesphr vitals add KIND VALUE</c>: one vital sign, sealed in the vitals section and written
/// under a client-chosen id, into the patient's own record or, for a grantee with a write grant
/// for vitals, into the record <c>--patient</c> names.
/// </summary>
internal static class VitalsCommand
{
    public static Command Create()
    {
        var kind = new Argument<string>("kind") { Description = "pulse (/min), temperature (Cel), blood-pressure (mm[Hg], as 120/80) or weight (kg)." };
        kind.AcceptOnlyFromAmong([.. TypedVital.Kinds]);
        var value = new Argument<string>("value");
        var at = new Option<DateTimeOffset?>("--at") { Description = "When it was measured (ISO 8601; default now)." };
        var patient = new Option<string?>("--patient") { Description = "Whose record, for a grantee with a write grant (Patient/<id>)." };
        var (password, json) = (Passwords.StdinOption(), JsonOption.Create());
        var add = new Command("add", "Add a measurement to a record.") { kind, value, at, patient, password, json };
        CommandAction.Set(add, async (parse, _) =>
        {
            var when = parse.GetValue(at) ?? DateTimeOffset.UtcNow;
            if (when > DateTimeOffset.UtcNow.AddMinutes(5))
            {
                throw new CliException(ExitCodes.InvalidInput, "--at is in the future.");
            }

            using var session = await Session.OpenAsync(parse, password);
            var whose = parse.GetValue(patient) ?? session.Account.FhirUser;
            var observation = TypedVital.Observe(parse.GetRequiredValue(kind), parse.GetRequiredValue(value), new Hl7.Fhir.Model.ResourceReference(whose), when);
            var response = whose == session.Account.FhirUser && session.Account.IsPatient
                ? await new PatientRecord(session.User, (await session.PatientGrantsAsync()).Book).WriteAsync(observation)
                : await new GranteeWriter(session.User, new GranteeReader(session.User)).WriteAsync(whose, observation);
            FhirFailures.ThrowUnlessSuccess(response, "writing the measurement");
            if (parse.GetValue(json))
            {
                CliConsole.WriteRawJson(FhirJsonText.Of(observation));
            }
            else
            {
                CliConsole.Say($"Added Observation/{observation.Id} ({Summary.What(observation)}) to {whose}, sealed in vitals.");
            }

            return ExitCodes.Ok;
        });
        return new Command("vitals", "Vital signs: pulse, temperature, blood pressure, weight.") { add };
    }
}
