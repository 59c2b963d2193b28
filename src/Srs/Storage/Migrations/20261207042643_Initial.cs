using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace SeSPHR.Srs.Storage.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "srs");

            migrationBuilder.CreateTable(
                name: "OpenIddictApplications",
                schema: "srs",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ApplicationType = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    ClientId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    ClientSecret = table.Column<string>(type: "text", nullable: true),
                    ClientType = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    ConcurrencyToken = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    ConsentType = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    DisplayName = table.Column<string>(type: "text", nullable: true),
                    DisplayNames = table.Column<string>(type: "text", nullable: true),
                    JsonWebKeySet = table.Column<string>(type: "text", nullable: true),
                    Permissions = table.Column<string>(type: "text", nullable: true),
                    PostLogoutRedirectUris = table.Column<string>(type: "text", nullable: true),
                    Properties = table.Column<string>(type: "text", nullable: true),
                    RedirectUris = table.Column<string>(type: "text", nullable: true),
                    Requirements = table.Column<string>(type: "text", nullable: true),
                    Settings = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OpenIddictApplications", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "OpenIddictScopes",
                schema: "srs",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ConcurrencyToken = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    Description = table.Column<string>(type: "text", nullable: true),
                    Descriptions = table.Column<string>(type: "text", nullable: true),
                    DisplayName = table.Column<string>(type: "text", nullable: true),
                    DisplayNames = table.Column<string>(type: "text", nullable: true),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Properties = table.Column<string>(type: "text", nullable: true),
                    Resources = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OpenIddictScopes", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "accounts",
                schema: "srs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Username = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Role = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    FhirUser = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    WithdrawnAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    KdfSalt = table.Column<byte[]>(type: "bytea", nullable: false),
                    KdfMemoryKiB = table.Column<int>(type: "integer", nullable: false),
                    KdfIterations = table.Column<int>(type: "integer", nullable: false),
                    KdfParallelism = table.Column<int>(type: "integer", nullable: false),
                    AuthSecretHash = table.Column<string>(type: "text", nullable: false),
                    UmbralPublicKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    SigningPublicKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    Fingerprint = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    WrappedBackup = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_accounts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "client_assertion_uses",
                schema: "srs",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    jwt_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    keep_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_client_assertion_uses", x => new { x.client_id, x.jwt_id });
                });

            migrationBuilder.CreateTable(
                name: "enrolment_codes",
                schema: "srs",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    CodeHash = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UsedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_enrolment_codes", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "grant_statements",
                schema: "srs",
                columns: table => new
                {
                    PatientUserId = table.Column<Guid>(type: "uuid", nullable: false),
                    Number = table.Column<long>(type: "bigint", nullable: false),
                    StatementDigest = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    SignedStatement = table.Column<byte[]>(type: "bytea", nullable: false),
                    ConsentId = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_grant_statements", x => x.PatientUserId);
                });

            migrationBuilder.CreateTable(
                name: "reencryption_keys",
                schema: "srs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PatientUserId = table.Column<Guid>(type: "uuid", nullable: false),
                    PatientFhirUser = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    ConsentId = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    Section = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Epoch = table.Column<long>(type: "bigint", nullable: false),
                    GranteeUserId = table.Column<Guid>(type: "uuid", nullable: false),
                    DelegatingPublicKey = table.Column<byte[]>(type: "bytea", maxLength: 33, nullable: false),
                    KeyFragBytes = table.Column<byte[]>(type: "bytea", nullable: false),
                    KeyFragId = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    Threshold = table.Column<int>(type: "integer", nullable: false),
                    Shares = table.Column<int>(type: "integer", nullable: false),
                    Start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    End = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ActivatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reencryption_keys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "reencryption_log",
                schema: "srs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    GranteeUserId = table.Column<Guid>(type: "uuid", nullable: false),
                    PatientFhirUser = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Section = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Epoch = table.Column<long>(type: "bigint", nullable: false),
                    Outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ReencryptionKeyId = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reencryption_log", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "role_grants",
                schema: "srs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ConsentId = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    PatientFhirUser = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Role = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Section = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    End = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_role_grants", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "section_keys",
                schema: "srs",
                columns: table => new
                {
                    PatientUserId = table.Column<Guid>(type: "uuid", nullable: false),
                    Section = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Epoch = table.Column<long>(type: "bigint", nullable: false),
                    PublicKey = table.Column<byte[]>(type: "bytea", maxLength: 33, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_section_keys", x => new { x.PatientUserId, x.Section, x.Epoch });
                });

            migrationBuilder.CreateTable(
                name: "server_keys",
                schema: "srs",
                columns: table => new
                {
                    Purpose = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    KeyId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Material = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_server_keys", x => x.Purpose);
                });

            migrationBuilder.CreateTable(
                name: "OpenIddictAuthorizations",
                schema: "srs",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: true),
                    ConcurrencyToken = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    CreationDate = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Properties = table.Column<string>(type: "text", nullable: true),
                    Scopes = table.Column<string>(type: "text", nullable: true),
                    Status = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    Subject = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: true),
                    Type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OpenIddictAuthorizations", x => x.Id);
                    table.ForeignKey(
                        name: "FK_OpenIddictAuthorizations_OpenIddictApplications_Application~",
                        column: x => x.ApplicationId,
                        principalSchema: "srs",
                        principalTable: "OpenIddictApplications",
                        principalColumn: "Id");
                });

            migrationBuilder.CreateTable(
                name: "OpenIddictTokens",
                schema: "srs",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: true),
                    AuthorizationId = table.Column<string>(type: "text", nullable: true),
                    ConcurrencyToken = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    CreationDate = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ExpirationDate = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Payload = table.Column<string>(type: "text", nullable: true),
                    Properties = table.Column<string>(type: "text", nullable: true),
                    RedemptionDate = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ReferenceId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Status = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    Subject = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: true),
                    Type = table.Column<string>(type: "character varying(150)", maxLength: 150, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OpenIddictTokens", x => x.Id);
                    table.ForeignKey(
                        name: "FK_OpenIddictTokens_OpenIddictApplications_ApplicationId",
                        column: x => x.ApplicationId,
                        principalSchema: "srs",
                        principalTable: "OpenIddictApplications",
                        principalColumn: "Id");
                    table.ForeignKey(
                        name: "FK_OpenIddictTokens_OpenIddictAuthorizations_AuthorizationId",
                        column: x => x.AuthorizationId,
                        principalSchema: "srs",
                        principalTable: "OpenIddictAuthorizations",
                        principalColumn: "Id");
                });

            migrationBuilder.CreateIndex(
                name: "IX_OpenIddictApplications_ClientId",
                schema: "srs",
                table: "OpenIddictApplications",
                column: "ClientId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_OpenIddictAuthorizations_ApplicationId_Status_Subject_Type",
                schema: "srs",
                table: "OpenIddictAuthorizations",
                columns: new[] { "ApplicationId", "Status", "Subject", "Type" });

            migrationBuilder.CreateIndex(
                name: "IX_OpenIddictScopes_Name",
                schema: "srs",
                table: "OpenIddictScopes",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_OpenIddictTokens_ApplicationId_Status_Subject_Type",
                schema: "srs",
                table: "OpenIddictTokens",
                columns: new[] { "ApplicationId", "Status", "Subject", "Type" });

            migrationBuilder.CreateIndex(
                name: "IX_OpenIddictTokens_AuthorizationId",
                schema: "srs",
                table: "OpenIddictTokens",
                column: "AuthorizationId");

            migrationBuilder.CreateIndex(
                name: "IX_OpenIddictTokens_ReferenceId",
                schema: "srs",
                table: "OpenIddictTokens",
                column: "ReferenceId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_accounts_FhirUser",
                schema: "srs",
                table: "accounts",
                column: "FhirUser",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_accounts_Role",
                schema: "srs",
                table: "accounts",
                column: "Role");

            migrationBuilder.CreateIndex(
                name: "IX_accounts_Username",
                schema: "srs",
                table: "accounts",
                column: "Username",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_client_assertion_uses_keep_until",
                schema: "srs",
                table: "client_assertion_uses",
                column: "keep_until");

            migrationBuilder.CreateIndex(
                name: "IX_reencryption_keys_ConsentId",
                schema: "srs",
                table: "reencryption_keys",
                column: "ConsentId");

            migrationBuilder.CreateIndex(
                name: "IX_reencryption_keys_GranteeUserId_PatientFhirUser_Section_Epo~",
                schema: "srs",
                table: "reencryption_keys",
                columns: new[] { "GranteeUserId", "PatientFhirUser", "Section", "Epoch" });

            migrationBuilder.CreateIndex(
                name: "IX_reencryption_keys_State_CreatedAt",
                schema: "srs",
                table: "reencryption_keys",
                columns: new[] { "State", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_reencryption_log_PatientFhirUser_At",
                schema: "srs",
                table: "reencryption_log",
                columns: new[] { "PatientFhirUser", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_role_grants_ConsentId",
                schema: "srs",
                table: "role_grants",
                column: "ConsentId");

            migrationBuilder.CreateIndex(
                name: "IX_role_grants_PatientFhirUser",
                schema: "srs",
                table: "role_grants",
                column: "PatientFhirUser");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "OpenIddictScopes",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "OpenIddictTokens",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "accounts",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "client_assertion_uses",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "enrolment_codes",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "grant_statements",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "reencryption_keys",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "reencryption_log",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "role_grants",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "section_keys",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "server_keys",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "OpenIddictAuthorizations",
                schema: "srs");

            migrationBuilder.DropTable(
                name: "OpenIddictApplications",
                schema: "srs");
        }
    }
}
