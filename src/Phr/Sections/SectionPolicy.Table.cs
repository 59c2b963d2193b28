using Hl7.Fhir.Model;

namespace SeSPHR.Phr.Sections;

// The allow-lists. Rules of thumb, type by type:
// - clear: what the cloud needs to store, link, version and search: the logical id, meta, links
//   to the patient and the encounter (and between insurance documents), workflow status codes,
//   category, and dates given as dates; codes only where the design says they reveal nothing
//   about health (vital-sign LOINC codes, Coverage.type);
// - never clear: narrative, extensions, notes, identifiers, any code naming a diagnosis, a
//   substance, a medication, a procedure or a test, any value or result, performers and
//   providers (a provider can reveal a specialty), birthDate, deceased[x], gender;
// - only the clear projection of a clear element stays clear: a reference keeps reference and
//   type (never display or identifier), a concept keeps its codings (never its free text), and no
//   element keeps its extensions (see ClearProjection).
public static partial class SectionPolicy
{
    private const string StatusWhy = "workflow state; a reader must see e.g. entered-in-error, and it names no finding";
    private const string CategoryWhy = "coarse class the design keeps clear for search; names no diagnosis, substance or test";
    private const string EncounterWhy = "link to the visit, so the record can be navigated; the visit's content is protected in its own resource";

    private static IEnumerable<ResourcePolicy> BuildPolicies()
    {
        yield return Protected<Patient>(_ => PhrSection.Personal, patientElement: null)
            .Clear("active", "whether the record is in use; needed to manage it, says nothing about the person")
            .Build();

        // RelatedPerson: its details are part of the personal section of the patient it points at.
        yield return Protected<RelatedPerson>(_ => PhrSection.Personal, "patient")
            .Clear("patient", "the patient whose personal section holds this person; the server files and authorises by it")
            .Clear("active", "whether the record is in use; says nothing about the person")
            .Bound("patient")
            .Build();

        yield return Protected<Observation>(
                observation => VitalSigns.IsVitalSignsObservation((Observation)observation) ? PhrSection.Vitals : PhrSection.Medical,
                "subject")
            .Clear("status", StatusWhy)
            .Clear("category", "decides the section (vital-signs or not) and the design keeps it clear; names no test")
            .Clear(
                "code",
                "only a vital-sign LOINC code of a vital-signs observation: it names a routine measurement (weight, blood pressure), never its result",
                (observation, code) => VitalSigns.IsVitalSignsObservation((Observation)observation) && VitalSigns.IsVitalSignCode(code as CodeableConcept))
            .Clear("subject", "link to the patient; the server files, searches and authorises by it")
            .Clear("encounter", EncounterWhy)
            .Clear("effective", "clinical date (dateTime, Period or instant only; a Timing may carry free text)", IsDate)
            .Clear("issued", "release date of the result; a date, no content")
            .Bound("subject", "category", "code", "effective")
            .Build();

        yield return Protected<Condition>(_ => PhrSection.Medical, "subject")
            .Clear("clinicalStatus", "active/resolved state; the condition itself stays protected")
            .Clear("verificationStatus", "confirmed/refuted/entered-in-error; names no condition")
            .Clear("category", CategoryWhy)
            .Clear("subject", "link to the patient")
            .Clear("encounter", EncounterWhy)
            .Clear("onset", "clinical date (dateTime or Period only; an Age reveals the birth date, a string is free text)", IsDate)
            .Clear("abatement", "clinical date (dateTime or Period only)", IsDate)
            .Clear("recordedDate", "date the condition was recorded")
            .Bound("subject", "category", "onset", "abatement", "recordedDate")
            .Build();

        yield return Protected<AllergyIntolerance>(_ => PhrSection.Medical, "patient")
            .Clear("clinicalStatus", "active/resolved state; the substance stays protected")
            .Clear("verificationStatus", "confirmed/refuted/entered-in-error; names no substance")
            .Clear("category", "food, medication, environment or biologic; the design keeps category clear, the substance stays protected")
            .Clear("patient", "link to the patient")
            .Clear("encounter", EncounterWhy)
            .Clear("onset", "clinical date (dateTime or Period only)", IsDate)
            .Clear("recordedDate", "date the allergy was recorded")
            .Bound("patient", "category", "onset", "recordedDate")
            .Build();

        yield return Protected<Procedure>(_ => PhrSection.Medical, "subject")
            .Clear("status", StatusWhy)
            .Clear("category", CategoryWhy)
            .Clear("subject", "link to the patient")
            .Clear("encounter", EncounterWhy)
            .Clear("performed", "clinical date (dateTime or Period only)", IsDate)
            .Bound("subject", "category", "performed")
            .Build();

        // DiagnosticReport.code names the test (e.g. an HIV panel): protected, masked because required.
        yield return Protected<DiagnosticReport>(_ => PhrSection.Medical, "subject")
            .Clear("status", StatusWhy)
            .Clear("category", "service class (laboratory, radiology); the design keeps category clear")
            .Clear("subject", "link to the patient")
            .Clear("encounter", EncounterWhy)
            .Clear("effective", "clinical date (dateTime or Period only)", IsDate)
            .Clear("issued", "release date of the report")
            .Bound("subject", "category", "effective")
            .Build();

        // The vaccine (vaccineCode) reveals health information (HPV, hepatitis B): protected, masked.
        yield return Protected<Immunization>(_ => PhrSection.Medical, "patient")
            .Clear("status", StatusWhy)
            .Clear("patient", "link to the patient")
            .Clear("encounter", EncounterWhy)
            .Clear("occurrence", "clinical date (dateTime only; the string form is free text)", IsDate)
            .Clear("recorded", "date the record was captured")
            .Bound("patient", "occurrence")
            .Build();

        // Encounter.class (inpatient, emergency, home health) and the reasons stay protected.
        yield return Protected<Encounter>(_ => PhrSection.Medical, "subject")
            .Clear("status", StatusWhy)
            .Clear("subject", "link to the patient")
            .Clear("period", "clinical dates of the visit")
            .Bound("subject", "period")
            .Build();

        yield return Protected<CarePlan>(_ => PhrSection.Medical, "subject")
            .Clear("status", StatusWhy)
            .Clear("intent", "proposal, plan or order; a workflow code like status")
            .Clear("category", CategoryWhy)
            .Clear("subject", "link to the patient")
            .Clear("encounter", EncounterWhy)
            .Clear("period", "clinical dates the plan covers")
            .Clear("created", "date the plan was first recorded")
            .Bound("subject", "category", "period")
            .Build();

        // Goal.achievementStatus (improving, worsening) describes the patient's health: protected.
        yield return Protected<Goal>(_ => PhrSection.Medical, "subject")
            .Clear("lifecycleStatus", StatusWhy)
            .Clear("category", "dietary, safety, behavioral, nursing or physiotherapy; the design keeps category clear")
            .Clear("subject", "link to the patient")
            .Clear("start", "clinical date (date only; a concept may name a health event)", IsDate)
            .Clear("statusDate", "date the status last changed")
            .Bound("subject", "category", "start")
            .Build();

        // Modality (e.g. mammography) and body sites reveal health information: protected.
        yield return Protected<ImagingStudy>(_ => PhrSection.Medical, "subject")
            .Clear("status", StatusWhy)
            .Clear("subject", "link to the patient")
            .Clear("encounter", EncounterWhy)
            .Clear("started", "clinical date of the study")
            .Bound("subject", "started")
            .Build();

        // The document type and the content (attachment) are protected; content is masked because required.
        yield return Protected<DocumentReference>(_ => PhrSection.Medical, "subject")
            .Clear("status", StatusWhy)
            .Clear("docStatus", "preliminary/final/amended; a workflow code like status")
            .Clear("category", CategoryWhy)
            .Clear("subject", "link to the patient")
            .Clear("date", "date the reference was created")
            .Bound("subject", "category", "date")
            .Build();

        // medication[x] names the drug: protected, masked because required.
        yield return Protected<MedicationRequest>(_ => PhrSection.Prescriptions, "subject")
            .Clear("status", StatusWhy)
            .Clear("intent", "proposal, plan or order; a workflow code like status")
            .Clear("category", "inpatient, outpatient, community or discharge; the design keeps category clear")
            .Clear("subject", "link to the patient")
            .Clear("encounter", EncounterWhy)
            .Clear("authoredOn", "date the prescription was written")
            .Bound("subject", "category", "authoredOn")
            .Build();

        yield return Protected<MedicationStatement>(_ => PhrSection.Prescriptions, "subject")
            .Clear("status", StatusWhy)
            .Clear("category", "inpatient, outpatient, community or patient-specified; the design keeps category clear")
            .Clear("subject", "link to the patient")
            .Clear("context", "link to the encounter or episode of care, like Observation.encounter")
            .Clear("effective", "clinical date (dateTime or Period only)", IsDate)
            .Clear("dateAsserted", "date the statement was asserted")
            .Bound("subject", "category", "effective")
            .Build();

        yield return Protected<MedicationDispense>(_ => PhrSection.Prescriptions, "subject")
            .Clear("status", StatusWhy)
            .Clear("category", "inpatient, outpatient, community or discharge; the design keeps category clear")
            .Clear("subject", "link to the patient")
            .Clear("context", "link to the encounter or episode of care")
            .Clear("whenPrepared", "clinical date of dispensing")
            .Clear("whenHandedOver", "clinical date of hand-over")
            .Bound("subject", "category", "whenPrepared", "whenHandedOver")
            .Build();

        // The payor stays protected: the insurer (e.g. Medicaid) can reveal income or employer.
        yield return Protected<Coverage>(_ => PhrSection.Insurance, "beneficiary")
            .Clear("status", StatusWhy)
            .Clear("type", "kind of coverage (medical, dental, self-pay); the design names it as revealing nothing about health")
            .Clear("beneficiary", "link to the patient the coverage is for")
            .Clear("period", "dates the coverage is in force")
            .Bound("beneficiary", "type", "period")
            .Build();

        // Claim.type (oral, pharmacy, vision), provider, priority and insurance are protected; all required, so masked.
        yield return Protected<Claim>(_ => PhrSection.Insurance, "patient")
            .Clear("status", StatusWhy)
            .Clear("use", "claim, preauthorization or predetermination; a workflow code")
            .Clear("patient", "link to the patient")
            .Clear("billablePeriod", "clinical dates the claim covers")
            .Clear("created", "date the claim was created")
            .Bound("patient", "billablePeriod", "created")
            .Build();

        yield return Protected<ClaimResponse>(_ => PhrSection.Insurance, "patient")
            .Clear("status", StatusWhy)
            .Clear("use", "claim, preauthorization or predetermination; a workflow code")
            .Clear("patient", "link to the patient")
            .Clear("created", "date the response was created")
            .Clear("request", "link to the claim it answers; the claim's content is protected in its own resource")
            .Clear("outcome", "queued, complete, error or partial; processing state, no amounts or reasons")
            .Bound("patient", "created", "request")
            .Build();

        yield return Protected<ExplanationOfBenefit>(_ => PhrSection.Insurance, "patient")
            .Clear("status", StatusWhy)
            .Clear("use", "claim, preauthorization or predetermination; a workflow code")
            .Clear("patient", "link to the patient")
            .Clear("billablePeriod", "clinical dates the claim covers")
            .Clear("created", "date the explanation was created")
            .Clear("claim", "link to the claim it explains")
            .Clear("claimResponse", "link to the claim response it summarises")
            .Clear("outcome", "queued, complete, error or partial; processing state, no amounts or reasons")
            .Bound("patient", "billablePeriod", "created", "claim", "claimResponse")
            .Build();

        // No protected section: directory resources are readable by every signed-in user, Consent
        // is the ACL the cloud enforces, AuditEvent and Provenance are the cloud's own bookkeeping.
        // Of these types only Consent (its patient) and Device name the patient whose record they
        // belong to; an AuditEvent is filed by the server, a Provenance follows its targets.
        foreach (var type in new[] { "Consent", "Practitioner", "PractitionerRole", "Organization", "Location", "AuditEvent", "Provenance" })
        {
            yield return new ResourcePolicy(type, section: null, patientElement: null, clearElements: [], boundFields: []);
        }

        // A Device that names a patient (an implanted pump, a glucose meter) is part of that patient's
        // record, filed under medical: her Consents decide who reads, adds or removes it. One that
        // names no patient (a ward's scanner) is a directory resource.
        yield return new ResourcePolicy("Device", section: null, patientElement: "patient", clearElements: [], boundFields: [], recordSection: PhrSection.Medical);
    }

    /// <summary>Clinical dates stay clear only when written as dates; Age, Range, string or concept forms are protected.</summary>
    private static bool IsDate(Resource resource, Base value) => value is FhirDateTime or Date or Instant or Period;

    private static PolicyBuilder Protected<T>(Func<Resource, PhrSection> section, string? patientElement)
        where T : Resource =>
        new(Hl7.Fhir.Model.ModelInfo.GetFhirTypeNameForType(typeof(T))!, section, patientElement);

    private sealed class PolicyBuilder
    {
        private readonly string _resourceType;
        private readonly Func<Resource, PhrSection> _section;
        private readonly string? _patientElement;
        private readonly List<ClearElement> _clear =
        [
            new("id", "logical id chosen by the client; needed to store and address the resource", null, verbatim: true),
            new("meta", "server-managed version, last-updated time, profiles, tags and security labels", null, verbatim: true),
            new("implicitRules", "modifier naming the rules the resource was written under; a reader must see it, and it holds no patient data", null),
        ];

        private readonly List<string> _bound = [];

        public PolicyBuilder(string resourceType, Func<Resource, PhrSection> section, string? patientElement)
        {
            _resourceType = resourceType;
            _section = section;
            _patientElement = patientElement;
        }

        public PolicyBuilder Clear(string name, string why, Func<Resource, Base, bool>? when = null)
        {
            _clear.Add(new ClearElement(name, why, when));
            return this;
        }

        public PolicyBuilder Bound(params string[] names)
        {
            _bound.AddRange(names);
            return this;
        }

        public ResourcePolicy Build() => new(_resourceType, _section, _patientElement, _clear, _bound);
    }
}
