package ghreleasetest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/google/go-github/v60/github"
	"github.com/tagship/tagship/ghrelease/ghreleasetest"
)

func Example() {
	srv, err := ghreleasetest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client := srv.Client() // go-github, authenticated, WithEnterpriseURLs

	ctx := context.Background()
	rel, _, err := client.Repositories.CreateRelease(ctx, "o", "r", &github.RepositoryRelease{
		TagName: github.String("v1.0.0"), Draft: github.Bool(true),
	})
	if err != nil {
		log.Fatal(err)
	}
	// GitHub hides drafts from get-by-tag; so does the fake.
	_, resp, _ := client.Repositories.GetReleaseByTag(ctx, "o", "r", "v1.0.0")
	fmt.Println("draft by tag:", resp.StatusCode)

	// Make the next publish attempt fail once.
	srv.AddFault(ghreleasetest.RouteUpdateRelease, ghreleasetest.Fault{Status: 502})
	_, resp, _ = client.Repositories.EditRelease(ctx, "o", "r", rel.GetID(), &github.RepositoryRelease{Draft: github.Bool(false)})
	fmt.Println("faulted publish:", resp.StatusCode)
	_, _, err = client.Repositories.EditRelease(ctx, "o", "r", rel.GetID(), &github.RepositoryRelease{Draft: github.Bool(false)})
	fmt.Println("publish:", err)

	for _, r := range srv.Releases("o", "r") {
		fmt.Println(r.Tag, "draft:", r.Draft, "latest:", r.Latest)
	}
	// Output:
	// draft by tag: 404
	// faulted publish: 502
	// publish: <nil>
	// v1.0.0 draft: false latest: true
}
