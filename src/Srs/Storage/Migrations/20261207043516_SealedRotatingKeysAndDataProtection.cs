using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace SeSPHR.Srs.Storage.Migrations
{
    /// <inheritdoc />
    public partial class SealedRotatingKeysAndDataProtection : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_server_keys",
                schema: "srs",
                table: "server_keys");

            migrationBuilder.AddColumn<bool>(
                name: "Sealed",
                schema: "srs",
                table: "server_keys",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "SignsFrom",
                schema: "srs",
                table: "server_keys",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "SignsUntil",
                schema: "srs",
                table: "server_keys",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddPrimaryKey(
                name: "PK_server_keys",
                schema: "srs",
                table: "server_keys",
                column: "KeyId");

            migrationBuilder.CreateTable(
                name: "DataProtectionKeys",
                schema: "srs",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    FriendlyName = table.Column<string>(type: "text", nullable: true),
                    Xml = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_server_keys_Purpose",
                schema: "srs",
                table: "server_keys",
                column: "Purpose",
                unique: true,
                filter: "\"Purpose\" <> 'token-signing'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DataProtectionKeys",
                schema: "srs");

            migrationBuilder.DropPrimaryKey(
                name: "PK_server_keys",
                schema: "srs",
                table: "server_keys");

            migrationBuilder.DropIndex(
                name: "IX_server_keys_Purpose",
                schema: "srs",
                table: "server_keys");

            migrationBuilder.DropColumn(
                name: "Sealed",
                schema: "srs",
                table: "server_keys");

            migrationBuilder.DropColumn(
                name: "SignsFrom",
                schema: "srs",
                table: "server_keys");

            migrationBuilder.DropColumn(
                name: "SignsUntil",
                schema: "srs",
                table: "server_keys");

            migrationBuilder.AddPrimaryKey(
                name: "PK_server_keys",
                schema: "srs",
                table: "server_keys",
                column: "Purpose");
        }
    }
}
